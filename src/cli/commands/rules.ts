/**
 * `bpfwarden rules`: list, show, add, enable, disable, rm, test. With an
 * agent answering on its API socket, list/enable/disable/rm go through it;
 * otherwise (or with an explicit --db) they read or write the database
 * directly (WAL: safe beside a running agent, which picks changes up within
 * a second).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiClientError } from '../../api/client.ts';
import { ApiDbError } from '../../api/db/errors.ts';
import { DB_OPS, type RuleWithState } from '../../api/db/ops.ts';
import { openDatabase } from '../../store/database.ts';
import { loadRuleFile } from '../../store/rule-file.ts';
import { upsertRule } from '../../store/rules-store.ts';
import { viaAgentOr, withDb } from '../agent-api.ts';
import { CliError } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { renderTable, sanitize } from '../format/table.ts';
import { registerRulesTest } from './rules-test.ts';

const NOT_FOUND = (id: string): CliError =>
  new CliError('CLI_RULE_NOT_FOUND', `no rule with id ${id} (see: bpfwarden rules list)`);

export function registerRulesCommand(
  program: Command,
  defaultDb: string,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const rules = program
    .command('rules')
    .description('detection rules: SQL SELECTs over stored events (see docs/rules-and-alerts.md)')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden rules list                          every rule, enabled or not, with alerts raised
  $ bpfwarden rules test ./rules/shell.yaml --since 1h   what the rules would raise on the last hour
  $ sudo bpfwarden rules add ./rules/shell.yaml   validate and store (the agent runs it within a second)
  $ sudo bpfwarden rules disable shell-from-web   stop running one rule
  $ bpfwarden rules show shell-from-web --json`,
    );
  const dbOpt = (c: Command): Command => c.option('--db <path>', 'database file', defaultDb);

  dbOpt(rules.command('list').description('every rule with its state (read-only)'))
    .option('--json', 'one JSON object per line')
    .action(async (o: { db: string; json?: boolean }, cmd: Command) => {
      const list = await viaAgentOr(
        cmd,
        async (api) => (await api.get<{ rules: RuleWithState[] }>('/api/v1/rules')).rules,
        () => withDb(o.db, true, (db) => DB_OPS.rules(db, null)),
      );
      if (o.json) {
        for (const r of list) out.write(`${JSON.stringify(r)}\n`);
        return;
      }
      out.write(
        renderTable(
          [
            { header: 'ID' },
            { header: 'SEVERITY' },
            { header: 'ENABLED' },
            { header: 'ALERTS', align: 'right' },
            { header: 'RUNS', align: 'right' },
            { header: 'MS/RUN', align: 'right' },
            { header: 'LANE' },
            { header: 'NAME', max: 48 },
            { header: 'LAST ERROR', max: 60 },
          ],
          list.map((r) => [
            r.id,
            r.severity,
            r.enabled ? 'yes' : 'no',
            String(r.state?.alerts ?? 0),
            String(r.state?.runs ?? 0),
            msPerRun(r.state),
            r.state?.slow ? 'own' : 'shared',
            r.name,
            r.state?.lastError ?? '',
          ]),
          { color: useColor(out as { isTTY?: boolean }, process.env) },
        ),
      );
    });

  dbOpt(rules.command('show <id>').description('one rule: definition, query and run state (read-only)'))
    .option('--json', 'as JSON')
    .action(async (id: string, o: { db: string; json?: boolean }, cmd: Command) => {
      {
        const found = await viaAgentOr(
          cmd,
          (api) => api.get<RuleWithState>(`/api/v1/rules/${encodeURIComponent(id)}`),
          () => withDb(o.db, true, (db) => DB_OPS.rule(db, id)),
        ).catch((e: unknown) => {
          const missing =
            (e instanceof ApiDbError && e.code === 'API_RULE_NOT_FOUND') ||
            (e instanceof ApiClientError && e.remoteCode === 'RULE_NOT_FOUND');
          if (missing) throw NOT_FOUND(id);
          throw e;
        });
        const { state: s, ...r } = found;
        if (o.json) {
          out.write(`${JSON.stringify({ ...r, state: s ?? null })}\n`);
          return;
        }
        const lines = [
          `id:          ${r.id}`,
          `name:        ${r.name}`,
          `severity:    ${r.severity}`,
          `enabled:     ${r.enabled ? 'yes' : 'no'}${s?.disabledReason ? ` (${s.disabledReason})` : ''}`,
          `tags:        ${r.tags.join(', ') || '-'}`,
          `title:       ${r.title}`,
          `dedupe:      ${r.dedupe ?? '(the triggering event ids)'}`,
          `throttle:    ${r.throttleMs ? `${r.throttleMs} ms` : 'none'}`,
          `source:      ${r.source}`,
          `description: ${r.description || '-'}`,
          `watermark:   ${s?.watermark ?? '-'} (last event id seen)`,
          `runs:        ${s?.runs ?? 0}, alerts ${s?.alerts ?? 0}, failures ${s?.failures ?? 0}`,
          `cost:        ${msPerRun(s)} ms per run on average, last ${s?.lastRunMs == null ? '-' : `${formatMs(s.lastRunMs)} ms`}`,
          `lane:        ${s?.slow ? 'its own (slower than rules.slowRuleMs: run alone, paced by its own cost)' : 'shared (runs with the other cheap rules)'}`,
          `last run:    ${s?.lastRunUs ? formatLocalTime(s.lastRunUs) : '-'}`,
          `last error:  ${s?.lastError ?? '-'}`,
          'query:',
          ...r.query.split('\n').map((l) => `  ${l}`),
        ];
        out.write(`${lines.map(sanitize).join('\n')}\n`);
      }
    });

  dbOpt(
    rules
      .command('add <file>')
      .description('validate the rules in a YAML file and store them (writes the database)'),
  )
    .option('--json', 'one {"id","result"} object per rule')
    .action((file: string, o: { db: string; json?: boolean }) => {
      const checked = loadRuleFile(file);
      const db = openDatabase(o.db);
      try {
        for (const c of checked) {
          const r = upsertRule(db, c.rule, resolve(file), Date.now() * 1000, 'set-enabled');
          out.write(o.json ? `${JSON.stringify({ id: c.rule.id, result: r })}\n` : `${c.rule.id}: ${r}\n`);
        }
      } finally {
        db.close();
      }
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    dbOpt(rules.command(`${verb} <id>`).description(`${verb} a rule (through the agent, else the database)`))
      .option('--json', 'the result as {"id","enabled"}')
      .action(async (id: string, o: { db: string; json?: boolean }, cmd: Command) => {
        await viaAgentOr(
          cmd,
          (api) => api.call('POST', `/api/v1/rules/${encodeURIComponent(id)}/${verb}`),
          () => withDb(o.db, false, (db) => DB_OPS.setRuleEnabled(db, { id, enabled })),
        );
        out.write(
          o.json ? `${JSON.stringify({ id, enabled })}\n` : `${id}: ${enabled ? 'enabled' : 'disabled'}\n`,
        );
      });
  }

  dbOpt(
    rules
      .command('rm <id>')
      .description('remove a rule; its alerts stay (through the agent, else the database)'),
  )
    .option('--json', 'the result as {"id","removed"}')
    .action(async (id: string, o: { db: string; json?: boolean }, cmd: Command) => {
      await viaAgentOr(
        cmd,
        (api) => api.call('DELETE', `/api/v1/rules/${encodeURIComponent(id)}`),
        () => withDb(o.db, false, (db) => DB_OPS.removeRule(db, id)),
      );
      out.write(
        o.json
          ? `${JSON.stringify({ id, removed: true })}\n`
          : `${id}: removed (a rule file in a rules directory brings it back at the next agent start)\n`,
      );
    });

  registerRulesTest(rules, defaultDb, out);
}

function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : String(Math.round(ms));
}

/** Average run time of the successful runs, or '-' before the first. */
function msPerRun(s: { runs: number; totalRunMs?: number } | null | undefined): string {
  if (!s?.runs || s.totalRunMs === undefined) return '-';
  return formatMs(s.totalRunMs / s.runs);
}
