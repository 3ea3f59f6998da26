/** `bpfwarden events summary --by KEY`: counts with first and last seen. */
import type { Command } from 'commander';
import {
  isSummaryKey,
  SUMMARY_KEYS,
  type SummaryKey,
  type SummaryRow,
  summarizeEvents,
} from '../../store/event-summary.ts';
import { viaAgentOr, withDb } from '../agent-api.ts';
import { USAGE } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { renderTable } from '../format/table.ts';
import { type EventsCommandDeps, parseFilter } from './events.ts';

interface Options {
  db: string;
  by: string;
  type?: string[];
  pid?: string;
  comm?: string;
  uid?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

export function registerEventsSummaryCommand(events: Command, deps: EventsCommandDeps): void {
  events
    .command('summary')
    .description('count events per command, pid, type, user or destination, with first and last seen')
    .option('--db <path>', 'database file', deps.defaultDbPath)
    .option('--by <key>', `group by: ${SUMMARY_KEYS.join('|')}`, 'comm')
    .option(
      '--type <type>',
      'only these event types (repeatable or comma-separated)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option('--pid <n>', 'only this process id')
    .option('--comm <name>', 'only this command name')
    .option('--uid <n>', 'only this user id')
    .option('--since <time>', 'only events at or after this time')
    .option('--until <time>', 'only events at or before this time')
    .option('--limit <n>', 'largest groups to show (default: 50)')
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden events summary --by comm --since 1h        busiest commands in the last hour
  $ bpfwarden events summary --by dest --type tcp_connect  connections per process and destination
  $ bpfwarden events summary --by reason --since 10m       packet drops per kernel drop reason
  $ bpfwarden events summary --by rule --since 1h          enforcement decisions per policy rule
  $ bpfwarden events summary --by type --json`,
    )
    .action(async (opts: Options, cmd: Command) => {
      const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
      if (!isSummaryKey(opts.by))
        fail(`invalid --by ${JSON.stringify(opts.by)}: expected one of ${SUMMARY_KEYS.join(', ')}`);
      const filter = parseFilter({ ...opts, limit: opts.limit ?? '50' }, Date.now() * 1000, fail);
      const by = opts.by as SummaryKey;
      const { db: _db, json: _json, by: _by, ...raw } = opts;
      const rows = await viaAgentOr(
        cmd,
        async (api) =>
          (
            await api.get<{ groups: SummaryRow[] }>('/api/v1/events/summary', {
              ...raw,
              by,
              limit: filter.limit,
            })
          ).groups,
        () => withDb(opts.db, true, (db) => summarizeEvents(db, by, filter)),
        deps.env,
      );
      if (opts.json) {
        for (const r of rows) {
          deps.out.write(
            `${JSON.stringify({ ...r.key, count: r.count, firstUs: r.firstUs, lastUs: r.lastUs })}\n`,
          );
        }
        return;
      }
      if (rows.length === 0) {
        (cmd.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s)))('no events match\n');
        return;
      }
      const keys = Object.keys(rows[0]?.key ?? {});
      const color = useColor(deps.out as { isTTY?: boolean }, deps.env);
      deps.out.write(
        renderTable(
          [
            ...keys.map((k) => ({ header: k.toUpperCase(), max: 40 })),
            { header: 'COUNT', align: 'right' as const },
            { header: 'FIRST' },
            { header: 'LAST' },
          ],
          rows.map((r) => [
            ...keys.map((k) => String(r.key[k] ?? '-')),
            String(r.count),
            formatLocalTime(r.firstUs),
            formatLocalTime(r.lastUs),
          ]),
          { color },
        ),
      );
    });
}
