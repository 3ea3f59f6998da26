/** `bpfwarden link attach|list|get|detach`: attachments of managed programs, pinned so they outlive the process. */
import type { Command } from 'commander';
import type { LinkRecord } from '../../store/programs-store.ts';
import { useColor } from '../format/color.ts';
import { renderTable } from '../format/table.ts';
import { type AttachOptions, describeSpec, LINK_KINDS, parseLinkSpec } from './link-spec-args.ts';
import {
  type ManagerOptions,
  positiveId,
  withManager,
  withManagerOptions,
  writeJson,
} from './manager-context.ts';

const linkJson = (l: LinkRecord): Record<string, unknown> => ({
  id: l.id,
  programId: l.programId,
  kind: l.spec.kind,
  target: describeSpec(l.spec),
  spec: l.spec,
  kernelId: l.kernelId ?? null,
  pin: l.pin ?? null,
  createdAt: new Date(l.createdAt).toISOString(),
});

function linkTable(ls: readonly LinkRecord[]): string {
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'PROGRAM', align: 'right' },
      { header: 'KIND' },
      { header: 'TARGET' },
      { header: 'KERNEL ID', align: 'right' },
      { header: 'PIN' },
    ],
    ls.map((l) => [
      String(l.id),
      String(l.programId),
      l.spec.kind,
      describeSpec(l.spec),
      l.kernelId === undefined ? '-' : String(l.kernelId),
      l.pin ?? '- (tc filter)',
    ]),
    { color: useColor(process.stdout, process.env) },
  );
}

export function registerLinkCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const link = program
    .command('link')
    .description('attachments of managed programs (operates directly: no agent needed)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden link attach 1 tracepoint sched/sched_process_exec
  $ sudo bpfwarden link attach 2 xdp eth0 --mode skb
  $ sudo bpfwarden link attach 3 tc eth0 --direction egress
  $ sudo bpfwarden link list --json
  $ sudo bpfwarden link detach 4`,
    );

  withManagerOptions(
    link
      .command('attach <programId> <kind> <target>')
      .description(`attach a managed program; kind: ${LINK_KINDS.join(' | ')}`)
      .option('--mode <mode>', 'xdp: skb (generic) or drv (native)')
      .option('--direction <dir>', 'tc: ingress or egress')
      .option('--priority <n>', 'tc: filter priority (default: the kernel picks)')
      .option('--attach-type <type>', 'cgroup: ingress, egress, sock_create, connect4, ...')
      .option('--pid <pid>', 'uprobe: only this process')
      .option('--retprobe', 'uprobe: on function return')
      .option('--json', 'as JSON')
      .addHelpText(
        'after',
        `
Targets:
  tracepoint CATEGORY/NAME      raw-tracepoint NAME           xdp IFACE [--mode skb|drv]
  tc IFACE --direction ingress|egress [--priority N]          cgroup PATH --attach-type TYPE
  uprobe /PATH/TO/BINARY:SYMBOL [--pid N] [--retprobe]

Examples:
  $ sudo bpfwarden link attach 1 raw-tracepoint sched_switch
  $ sudo bpfwarden link attach 5 cgroup /sys/fs/cgroup/unified/app --attach-type egress
  $ sudo bpfwarden link attach 6 uprobe /usr/lib/x86_64-linux-gnu/libc.so.6:malloc --pid 4242`,
      ),
  ).action((programId: string, kind: string, target: string, opts: ManagerOptions & AttachOptions) => {
    const spec = parseLinkSpec(kind, target, opts);
    const n = positiveId(programId, 'program id');
    const l = withManager(opts, (m) => m.attach(n, spec));
    if (opts.json) writeJson(out, linkJson(l));
    else out.write(linkTable([l]));
  });

  withManagerOptions(
    link.command('list').description('managed links').option('--json', 'as JSON lines'),
  ).action((opts: ManagerOptions) => {
    const ls = withManager(opts, (m) => m.links());
    if (opts.json) for (const l of ls) writeJson(out, linkJson(l));
    else out.write(linkTable(ls));
  });

  withManagerOptions(
    link.command('get <id>').description('one managed link').option('--json', 'as JSON'),
  ).action((id: string, opts: ManagerOptions) => {
    const n = positiveId(id, 'link id');
    const l = withManager(opts, (m) => m.link(n));
    if (opts.json) writeJson(out, linkJson(l));
    else out.write(linkTable([l]));
  });

  withManagerOptions(
    link
      .command('detach <id>')
      .description('detach and forget a managed link')
      .option('--json', 'as JSON: {"id":N,"detached":true}'),
  ).action((id: string, opts: ManagerOptions) => {
    const n = positiveId(id, 'link id');
    withManager(opts, (m) => m.detach(n));
    if (opts.json) writeJson(out, { id: n, detached: true });
    else out.write(`detached link ${n}\n`);
  });
}
