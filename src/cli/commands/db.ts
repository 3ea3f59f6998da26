/** `bpfwarden db stats`: rows per table, size on disk, time span. */
import type { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../../host/paths.ts';
import { openDatabase } from '../../store/database.ts';
import { type DbStats, dbStats } from '../../store/db-stats.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { startProgress } from '../format/progress.ts';
import { renderTable } from '../format/table.ts';

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function registerDbCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const db = program
    .command('db')
    .description('the event database')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden db stats                                 the agent's database
  $ bpfwarden db stats --db /tmp/bw.db --json | jq '.tables[] | select(.rows > 0)'`,
    );
  db.command('stats')
    .description('rows per table, file size and time span (read-only)')
    .option('--db <path>', 'database file', DEFAULT_DB_PATH)
    .option('--json', 'as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden db stats
  $ bpfwarden db stats --db /tmp/bw.db --json`,
    )
    .action((opts: { db: string; json?: boolean }) => {
      // Counting rows reads every table: seconds on a database of millions of events.
      const progress = startProgress(`counting rows in ${opts.db}`, { json: opts.json });
      let s: DbStats;
      try {
        const conn = openDatabase(opts.db, { readOnly: true });
        try {
          s = dbStats(conn, opts.db);
        } finally {
          conn.close();
        }
      } finally {
        progress.stop();
      }
      if (opts.json) {
        out.write(`${JSON.stringify(s)}\n`);
        return;
      }
      out.write(
        `${s.path}: schema ${s.schemaVersion}, file ${mib(s.fileBytes)} + WAL ${mib(s.walBytes)}, live data ${mib(s.usedBytes)}\n`,
      );
      out.write(
        renderTable(
          [
            { header: 'TABLE' },
            { header: 'ROWS', align: 'right' },
            { header: 'OLDEST' },
            { header: 'NEWEST' },
          ],
          s.tables.map((t) => [
            t.name,
            String(t.rows),
            t.oldestUs === null ? '-' : formatLocalTime(t.oldestUs),
            t.newestUs === null ? '-' : formatLocalTime(t.newestUs),
          ]),
          { color: useColor(out as { isTTY?: boolean }, process.env) },
        ),
      );
    });
}
