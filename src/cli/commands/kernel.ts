/** `bpfwarden kernel progs|maps|links`: every BPF object in the kernel, like bpftool. */
import type { Command } from 'commander';
import { KernelObjects, nativeBridge } from '../../ebpf/index.ts';
import { useColor } from '../format/color.ts';
import { renderTable } from '../format/table.ts';
import { writeJson } from './manager-context.ts';

const ms = (ns: number): string => (ns ? `${(ns / 1e6).toFixed(3)} ms` : '-');

type Column = Parameters<typeof renderTable>[0][number];

/** One listing: JSON lines (type by name, typeId by number) or a table. */
function listing<T extends { type: number; typeName: string }>(
  parent: Command,
  out: NodeJS.WritableStream,
  name: string,
  description: string,
  fetch: (k: KernelObjects) => T[],
  columns: readonly Column[],
  row: (x: T) => string[],
): void {
  parent
    .command(name)
    .description(description)
    .option('--json', 'as JSON lines')
    .action((opts: { json?: boolean }) => {
      const items = fetch(new KernelObjects(nativeBridge()));
      if (opts.json) {
        for (const x of items) writeJson(out, { ...x, type: x.typeName, typeId: x.type });
        return;
      }
      out.write(renderTable([...columns], items.map(row), { color: useColor(process.stdout, process.env) }));
    });
}

export function registerKernelCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const kernel = program
    .command('kernel')
    .description('BPF objects in the kernel (read-only; managed or not)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden kernel progs
  $ sudo bpfwarden kernel maps --json | jq 'select(.type == "ringbuf")'
  $ sudo bpfwarden kernel links

Run counts and times need kernel.bpf_stats_enabled=1 (sysctl).`,
    );
  const id: Column = { header: 'ID', align: 'right' };
  listing(
    kernel,
    out,
    'progs',
    'every program: id, type, name, tag, maps, run count and time (when stats are on)',
    (k) => k.programs(),
    [
      id,
      { header: 'TYPE' },
      { header: 'NAME' },
      { header: 'TAG' },
      { header: 'MAPS' },
      { header: 'RUNS', align: 'right' },
      { header: 'RUN TIME', align: 'right' },
    ],
    (p) => [
      String(p.id),
      p.typeName,
      p.name,
      p.tag,
      p.mapIds.join(',') || '-',
      String(p.runCount),
      ms(p.runTimeNs),
    ],
  );
  listing(
    kernel,
    out,
    'maps',
    'every map: id, type, name, key/value sizes, max entries',
    (k) => k.maps(),
    [
      id,
      { header: 'TYPE' },
      { header: 'NAME' },
      { header: 'KEY', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'MAX ENTRIES', align: 'right' },
    ],
    (m) => [String(m.id), m.typeName, m.name, String(m.keySize), String(m.valueSize), String(m.maxEntries)],
  );
  listing(
    kernel,
    out,
    'links',
    'every link: id, type, program, target',
    (k) => k.links(),
    [id, { header: 'TYPE' }, { header: 'PROG', align: 'right' }, { header: 'TARGET' }],
    (l) => [String(l.id), l.typeName, String(l.progId), l.target || '-'],
  );
}
