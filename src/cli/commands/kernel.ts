/** `bpfwarden kernel progs|maps|links`: every BPF object in the kernel, like bpftool. */
import type { Command } from 'commander';
import { KernelObjects, nativeBridge } from '../../ebpf/index.ts';
import { useColor } from '../format/color.ts';
import { renderTable } from '../format/table.ts';
import { writeJson } from './manager-context.ts';

const ms = (ns: number): string => (ns ? `${(ns / 1e6).toFixed(3)} ms` : '-');

export function registerKernelCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const kernel = program
    .command('kernel')
    .description('BPF objects in the kernel (read-only; managed or not)');
  const color = (): boolean => useColor(process.stdout, process.env);

  kernel
    .command('progs')
    .description('every program: id, type, name, tag, maps, run count and time (when stats are on)')
    .option('--json', 'as JSON lines')
    .action((opts: { json?: boolean }) => {
      const ps = new KernelObjects(nativeBridge()).programs();
      if (opts.json) {
        for (const p of ps) writeJson(out, { ...p, type: p.typeName, typeId: p.type });
        return;
      }
      out.write(
        renderTable(
          [
            { header: 'ID', align: 'right' },
            { header: 'TYPE' },
            { header: 'NAME' },
            { header: 'TAG' },
            { header: 'MAPS' },
            { header: 'RUNS', align: 'right' },
            { header: 'RUN TIME', align: 'right' },
          ],
          ps.map((p) => [
            String(p.id),
            p.typeName,
            p.name,
            p.tag,
            p.mapIds.join(',') || '-',
            String(p.runCount),
            ms(p.runTimeNs),
          ]),
          { color: color() },
        ),
      );
    });

  kernel
    .command('maps')
    .description('every map: id, type, name, key/value sizes, max entries')
    .option('--json', 'as JSON lines')
    .action((opts: { json?: boolean }) => {
      const ms_ = new KernelObjects(nativeBridge()).maps();
      if (opts.json) {
        for (const m of ms_) writeJson(out, { ...m, type: m.typeName, typeId: m.type });
        return;
      }
      out.write(
        renderTable(
          [
            { header: 'ID', align: 'right' },
            { header: 'TYPE' },
            { header: 'NAME' },
            { header: 'KEY', align: 'right' },
            { header: 'VALUE', align: 'right' },
            { header: 'MAX ENTRIES', align: 'right' },
          ],
          ms_.map((m) => [
            String(m.id),
            m.typeName,
            m.name,
            String(m.keySize),
            String(m.valueSize),
            String(m.maxEntries),
          ]),
          { color: color() },
        ),
      );
    });

  kernel
    .command('links')
    .description('every link: id, type, program, target')
    .option('--json', 'as JSON lines')
    .action((opts: { json?: boolean }) => {
      const ls = new KernelObjects(nativeBridge()).links();
      if (opts.json) {
        for (const l of ls) writeJson(out, { ...l, type: l.typeName, typeId: l.type });
        return;
      }
      out.write(
        renderTable(
          [
            { header: 'ID', align: 'right' },
            { header: 'TYPE' },
            { header: 'PROG', align: 'right' },
            { header: 'TARGET' },
          ],
          ls.map((l) => [String(l.id), l.typeName, String(l.progId), l.target || '-']),
          { color: color() },
        ),
      );
    });
}
