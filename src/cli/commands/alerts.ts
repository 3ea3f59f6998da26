/**
 * `bpfwarden alerts`: list, show (with per-sink delivery state), ack.
 * list and show open the database read-only; ack writes it directly.
 */
import type { Command } from 'commander';
import { type AlertWithDeliveries, DB_OPS } from '../../api/db/ops.ts';
import { isSeverity, SEVERITIES } from '../../domain/rules/rule.ts';
import { parseTimeSpec } from '../../domain/time-spec.ts';
import { viaAgentOr, withDb } from '../agent-api.ts';
import { USAGE } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { renderTable, sanitize } from '../format/table.ts';

function alertId(raw: string, cmd: Command): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    cmd.error(`error: alert id must be a positive integer (got ${JSON.stringify(raw)})`, USAGE);
  return n;
}

export function registerAlertsCommand(
  program: Command,
  defaultDb: string,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const alerts = program
    .command('alerts')
    .description('alerts raised by the detection rules, and their delivery')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden alerts list --severity high --since 1h   high and critical alerts of the last hour
  $ bpfwarden alerts show 42                          details and per-sink delivery state
  $ sudo bpfwarden alerts ack 42
  $ bpfwarden alerts list --json | jq .title`,
    );

  alerts
    .command('list')
    .description('newest alerts, oldest first (read-only)')
    .option('--db <path>', 'database file', defaultDb)
    .option('--severity <level>', `at least this severity: ${SEVERITIES.join('|')}`)
    .option('--rule <id>', 'only this rule')
    .option('--since <time>', 'only alerts at or after this time (10m, 2h, an ISO time...)')
    .option('--limit <n>', 'at most this many (default 100)', '100')
    .option('--json', 'one JSON object per line')
    .action(
      async (
        o: { db: string; severity?: string; rule?: string; since?: string; limit: string; json?: boolean },
        cmd: Command,
      ) => {
        if (o.severity !== undefined && !isSeverity(o.severity)) {
          cmd.error(
            `error: --severity must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(o.severity)})`,
            USAGE,
          );
        }
        const limit = Number(o.limit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
          cmd.error(
            `error: --limit must be an integer from 1 to 100000 (got ${JSON.stringify(o.limit)})`,
            USAGE,
          );
        }
        let sinceUs: number | undefined;
        try {
          sinceUs = o.since === undefined ? undefined : parseTimeSpec(o.since, Date.now() * 1000);
        } catch (err) {
          cmd.error(`error: --since: ${(err as Error).message}`, USAGE);
        }
        const filter = {
          ...(o.severity && isSeverity(o.severity) ? { minSeverity: o.severity } : {}),
          ...(o.rule ? { ruleId: o.rule } : {}),
          ...(sinceUs !== undefined ? { sinceUs } : {}),
          limit,
        };
        const list = await viaAgentOr(
          cmd,
          async (api) =>
            (
              await api.get<{ alerts: AlertWithDeliveries[] }>('/api/v1/alerts', {
                limit,
                severity: o.severity,
                rule: o.rule,
                since: o.since,
              })
            ).alerts,
          () => withDb(o.db, true, (db) => DB_OPS.alerts(db, filter)),
        );
        if (o.json) {
          for (const a of list) out.write(`${JSON.stringify(a)}\n`);
          return;
        }
        out.write(
          renderTable(
            [
              { header: 'ID', align: 'right' },
              { header: 'TIME' },
              { header: 'SEVERITY' },
              { header: 'RULE' },
              { header: 'DELIVERY' },
              { header: 'ACK' },
              { header: 'TITLE', max: 80 },
            ],
            list.map((a) => {
              const ds = a.deliveries;
              const state = ds.length === 0 ? 'no route' : ds.map((d) => `${d.sink}:${d.state}`).join(' ');
              return [
                String(a.id),
                formatLocalTime(a.timeUs),
                a.severity,
                a.ruleId,
                state,
                a.ackedUs ? 'yes' : '',
                a.title,
              ];
            }),
            { color: useColor(out as { isTTY?: boolean }, process.env) },
          ),
        );
      },
    );

  alerts
    .command('show <id>')
    .description('one alert with its details and per-sink delivery state (read-only)')
    .option('--db <path>', 'database file', defaultDb)
    .option('--json', 'as JSON')
    .action(async (raw: string, o: { db: string; json?: boolean }, cmd: Command) => {
      const id = alertId(raw, cmd);
      const a = await viaAgentOr(
        cmd,
        (api) => api.get<AlertWithDeliveries>(`/api/v1/alerts/${id}`),
        () => withDb(o.db, true, (db) => DB_OPS.alert(db, id)),
      );
      const ds = a.deliveries;
      {
        if (o.json) {
          out.write(`${JSON.stringify(a)}\n`);
          return;
        }
        const lines = [
          `alert ${a.id}: [${a.severity}] ${a.title}`,
          `time:       ${formatLocalTime(a.timeUs)}`,
          `rule:       ${a.ruleId}`,
          `tags:       ${a.tags.join(', ') || '-'}`,
          `events:     ${a.eventIds.join(', ') || '-'} (bpfwarden events --json to look them up)`,
          `dedupe key: ${a.dedupeKey}${a.suppressed ? ` (${a.suppressed} duplicates suppressed)` : ''}`,
          `acked:      ${a.ackedUs ? formatLocalTime(a.ackedUs) : 'no'}`,
          'deliveries:',
          ...(ds.length
            ? ds.map(
                (d) =>
                  `  ${d.sink}: ${d.state}, ${d.attempts} attempt(s)${d.state === 'pending' ? `, next ${formatLocalTime(d.nextAttemptUs)}` : ''}${d.deliveredUs ? `, at ${formatLocalTime(d.deliveredUs)}` : ''}${d.lastError ? `; last error: ${d.lastError}` : ''}`,
              )
            : ['  none (no route matched)']),
          'details:',
          ...JSON.stringify(a.details, null, 2)
            .split('\n')
            .map((l) => `  ${l}`),
        ];
        out.write(`${lines.map(sanitize).join('\n')}\n`);
      }
    });

  alerts
    .command('ack <id>')
    .description('acknowledge an alert (writes the database)')
    .option('--db <path>', 'database file', defaultDb)
    .option('--json', 'the acknowledged alert as JSON')
    .action(async (raw: string, o: { db: string; json?: boolean }, cmd: Command) => {
      const id = alertId(raw, cmd);
      const acked = await viaAgentOr(
        cmd,
        (api) => api.call<AlertWithDeliveries>('POST', `/api/v1/alerts/${id}/ack`),
        () => withDb(o.db, false, (db) => DB_OPS.ackAlert(db, id)),
      );
      out.write(o.json ? `${JSON.stringify(acked)}\n` : `alert ${id}: acknowledged\n`);
    });
}
