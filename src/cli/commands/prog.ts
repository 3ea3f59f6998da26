/** `bpfwarden prog load|list|get|unload`: programs the manager loads, pins and records. */
import type { Command } from 'commander';
import { KernelObjects } from '../../ebpf/index.ts';
import type { ProgramView } from '../../manager/service.ts';
import { useColor } from '../format/color.ts';
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
    .description('BPF programs the manager loads, pins and records (operates directly: no agent needed)');

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
      .option('--json', 'as JSON lines'),
  ).action(
    (
      file: string,
      opts: ManagerOptions & { name?: string; program: string[]; global: string[]; metadata: string[] },
    ) => {
      const loaded = withManager(opts, (m) =>
        m.load({
          file,
          ...(opts.name ? { name: opts.name } : {}),
          programs: opts.program,
          globals: keyValues(opts.global, '--global'),
          metadata: keyValues(opts.metadata, '--metadata'),
        }),
      );
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
    const p = withManager(opts, (m) => m.getProgram(positiveId(id, 'program id')));
    if (opts.json) {
      writeJson(out, programJson(p));
      return;
    }
    const j = programJson(p);
    for (const [k, v] of Object.entries(j))
      out.write(`${k.padEnd(10)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  });

  withManagerOptions(
    prog.command('unload <id>').description("detach the program's links, unpin it and forget it"),
  ).action((id: string, opts: ManagerOptions) => {
    withManager(opts, (m) => m.unloadProgram(positiveId(id, 'program id')));
    out.write(`unloaded program ${id}\n`);
  });
}
