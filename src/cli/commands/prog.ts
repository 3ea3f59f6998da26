/** `bpfwarden prog load|list|get|unload`: programs the manager loads, pins and records. */
import type { Command } from 'commander';
import { KernelObjects } from '../../ebpf/index.ts';
import type { ProgramView } from '../../manager/service.ts';
import { useColor } from '../format/color.ts';
import { startProgress } from '../format/progress.ts';
import { renderTable } from '../format/table.ts';
import {
  collect,
  keyValues,
  type ManagerOptions,
  positiveId,
  withManager,
  withManagerOptions,
  writeJson,
} from './manager-context.ts';

function programJson(p: ProgramView): Record<string, unknown> {
  return {
    id: p.id,
    kernelId: p.kernelId,
    name: p.name,
    section: p.section,
    type: p.typeName,
    tag: p.tag,
    pin: p.pin,
    loaded: p.kernel !== undefined,
    object: { id: p.object.id, name: p.object.name, path: p.object.path, sha256: p.object.sha256 },
    metadata: p.object.metadata,
    links: p.links.map((l) => l.id),
    ...(p.kernel
      ? { mapIds: p.kernel.mapIds, runCount: p.kernel.runCount, runTimeNs: p.kernel.runTimeNs }
      : {}),
  };
}

function programTable(ps: readonly ProgramView[]): string {
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'KERNEL ID', align: 'right' },
      { header: 'NAME' },
      { header: 'TYPE' },
      { header: 'OBJECT' },
      { header: 'LINKS' },
      { header: 'STATE' },
      { header: 'METADATA', max: 40 },
    ],
    ps.map((p) => [
      String(p.id),
      String(p.kernelId),
      p.name,
      p.typeName,
      p.object.name,
      p.links.map((l) => l.id).join(',') || '-',
      p.kernel ? 'loaded' : 'missing (run: bpfwarden reconcile)',
      Object.entries(p.object.metadata)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-',
    ]),
    { color: useColor(process.stdout, process.env) },
  );
}

export function registerProgCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const prog = program
    .command('prog')
    .description('BPF programs the manager loads, pins and records (operates directly: no agent needed)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden prog load /etc/bpfwarden/programs/counter.bpf.o --metadata app=demo
  $ sudo bpfwarden prog list --type xdp               managed XDP programs
  $ sudo bpfwarden prog list --all --json             every program in the kernel, as JSON lines
  $ sudo bpfwarden prog get 3
  $ sudo bpfwarden prog unload 3                      detaches its links first`,
    );

  withManagerOptions(
    prog
      .command('load <file>')
      .description(
        'load a BPF object from an allowed directory; pin its programs and maps under /sys/fs/bpf/bpfwarden',
      )
      .option('--name <name>', 'object name (default: the file name)')
      .option('--program <name>', 'load only this program (repeatable; default: all)', collect, [])
      .option('--global <key=value>', 'set a global variable before load (repeatable)', collect, [])
      .option('--metadata <key=value>', 'label the programs (repeatable)', collect, [])
      .option('--json', 'as JSON lines')
      .addHelpText(
        'after',
        `
Examples:
  $ sudo bpfwarden prog load /etc/bpfwarden/programs/counter.bpf.o --global increment=1
  $ sudo bpfwarden prog load /var/lib/bpfwarden/programs/tc.bpf.o --program mark_egress --name marker

Objects load only from manager.allowedDirs (default /etc/bpfwarden/programs and
/var/lib/bpfwarden/programs) and BPFWARDEN_PROGRAM_DIRS.`,
      ),
  ).action(
    (
      file: string,
      opts: ManagerOptions & { name?: string; program: string[]; global: string[]; metadata: string[] },
    ) => {
      const request = {
        file,
        ...(opts.name ? { name: opts.name } : {}),
        programs: opts.program,
        globals: keyValues(opts.global, '--global'),
        metadata: keyValues(opts.metadata, '--metadata'),
      };
      // The verifier can take seconds on a large object.
      const progress = startProgress(`loading ${file}`, { json: opts.json });
      let loaded: ProgramView[];
      try {
        loaded = withManager(opts, (m) => m.load(request));
      } finally {
        progress.stop();
      }
      if (opts.json) for (const p of loaded) writeJson(out, programJson(p));
      else out.write(programTable(loaded));
    },
  );

  withManagerOptions(
    prog
      .command('list')
      .description('managed programs; --all: every program in the kernel')
      .option('--type <type>', 'only this program type (e.g. xdp, tracepoint, sched_cls)')
      .option('--metadata <key=value>', 'only programs with this label (repeatable)', collect, [])
      .option('--all', 'every program in the kernel, managed or not')
      .option('--json', 'as JSON lines'),
  ).action((opts: ManagerOptions & { type?: string; metadata: string[]; all?: boolean }) => {
    withManager(opts, (m) => {
      const managed = m.listPrograms({
        ...(opts.type ? { type: opts.type } : {}),
        metadata: keyValues(opts.metadata, '--metadata'),
      });
      if (!opts.all) {
        if (opts.json) for (const p of managed) writeJson(out, programJson(p));
        else out.write(programTable(managed));
        return;
      }
      const byKernelId = new Map(m.listPrograms().map((p) => [p.kernelId, p]));
      const all = new KernelObjects(m.bridge)
        .programs()
        .filter((k) => opts.type === undefined || k.typeName === opts.type);
      if (opts.json) {
        for (const k of all)
          writeJson(out, { ...k, type: k.typeName, managedId: byKernelId.get(k.id)?.id ?? null });
        return;
      }
      out.write(
        renderTable(
          [
            { header: 'KERNEL ID', align: 'right' },
            { header: 'NAME' },
            { header: 'TYPE' },
            { header: 'TAG' },
            { header: 'MANAGED' },
          ],
          all.map((k) => [String(k.id), k.name, k.typeName, k.tag, String(byKernelId.get(k.id)?.id ?? '-')]),
          { color: useColor(process.stdout, process.env) },
        ),
      );
    });
  });

  withManagerOptions(
    prog.command('get <id>').description('one managed program').option('--json', 'as JSON'),
  ).action((id: string, opts: ManagerOptions) => {
    const n = positiveId(id, 'program id');
    const p = withManager(opts, (m) => m.getProgram(n));
    if (opts.json) {
      writeJson(out, programJson(p));
      return;
    }
    const j = programJson(p);
    for (const [k, v] of Object.entries(j))
      out.write(`${k.padEnd(10)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  });

  withManagerOptions(
    prog
      .command('unload <id>')
      .description("detach the program's links, unpin it and forget it")
      .option('--json', 'as JSON: {"id":N,"unloaded":true}'),
  ).action((id: string, opts: ManagerOptions) => {
    const n = positiveId(id, 'program id');
    withManager(opts, (m) => m.unloadProgram(n));
    if (opts.json) writeJson(out, { id: n, unloaded: true });
    else out.write(`unloaded program ${n}\n`);
  });
}
