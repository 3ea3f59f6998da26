/**
 * `bpfwarden rules test FILE`: what the rules in a file would raise on the
 * stored events, read-only. Without --since, every stored event is new in
 * one pass at the current time. With --since, the range is replayed pass by
 * pass as the engine would have run it: each pass reads the events stored
 * in its step with :now_us at the step's end, so windowed rules see the
 * window they would have seen, and the throttle runs in replay time.
 */
import type { Command } from 'commander';
import { RuleRunner } from '../../agent/detection/rule-runner.ts';
import { draftAlert } from '../../domain/rules/alert-draft.ts';
import { planReplay, ReplayThrottle } from '../../domain/rules/replay.ts';
import { parseTimeSpec } from '../../domain/time-spec.ts';
import { openDatabase } from '../../store/database.ts';
import { eventTypesByIds, firstEventIdSince, lastEventIdBefore, maxEventId } from '../../store/event-ids.ts';
import { eventTypesOf, RULE_CATALOG, withNewEventSources } from '../../store/rule-catalog.ts';
import { type CheckedRule, loadRuleFile } from '../../store/rule-file.ts';
import { USAGE } from '../errors.ts';
import { withProgress } from '../format/progress.ts';
import { sanitize } from '../format/table.ts';

const MAX_ROWS = 10_000;

/** One pass of the replay: events (fromId, toId] as new, at nowUs. */
interface Pass {
  readonly fromId: number;
  readonly toId: number;
  readonly nowUs: number;
}

export function registerRulesTest(rules: Command, defaultDb: string, out: NodeJS.WritableStream): void {
  rules
    .command('test <file>')
    .description(
      'run the rules in a YAML file against stored events and print what they would raise (read-only)',
    )
    .option('--db <path>', 'database file', defaultDb)
    .option(
      '--since <time>',
      'replay the events stored since this time, pass by pass as the engine runs (default: all stored events in one pass)',
    )
    .option('--timeout <ms>', 'time bound of each pass', '10000')
    .option('--json', 'one JSON object per would-be alert')
    .action(
      async (
        file: string,
        o: { db: string; since?: string; timeout: string; json?: boolean },
        cmd: Command,
      ) => {
        const timeoutMs = Number(o.timeout);
        if (!/^\d+$/.test(o.timeout) || timeoutMs < 1 || timeoutMs > 3_600_000) {
          cmd.error(
            `error: --timeout must be milliseconds from 1 to 3600000 (got ${JSON.stringify(o.timeout)})`,
            USAGE,
          );
        }
        const nowUs = Date.now() * 1000;
        let sinceUs: number | undefined;
        if (o.since !== undefined) {
          try {
            sinceUs = parseTimeSpec(o.since, nowUs);
          } catch (err) {
            cmd.error(`error: --since: ${(err as Error).message}`, USAGE);
          }
        }
        const checked = loadRuleFile(file);
        const passes = plan(o.db, sinceUs, nowUs);
        const runner = new RuleRunner(o.db, { timeoutMs });
        const db = openDatabase(o.db, { readOnly: true });
        const typesOf = (ids: readonly number[]) => eventTypesByIds(db, ids);
        const json = o.json === true;
        try {
          const what = sinceUs === undefined ? '' : ` over ${passes.length} pass(es)`;
          await withProgress(`running ${checked.length} rule(s)${what}`, { json }, async () => {
            for (const c of checked) await testOne(c, runner, typesOf, passes, out, json);
          });
        } finally {
          runner.close();
          db.close();
        }
      },
    );
}

/** The passes: one over everything, or the replay steps that hold events. */
function plan(path: string, sinceUs: number | undefined, nowUs: number): Pass[] {
  const db = openDatabase(path, { readOnly: true });
  try {
    if (sinceUs === undefined) return [{ fromId: 0, toId: maxEventId(db), nowUs }];
    let fromId = firstEventIdSince(db, sinceUs) - 1;
    const passes: Pass[] = [];
    for (const end of planReplay(sinceUs, nowUs).ends) {
      // Ids are assigned at store time, a little after the event: never step back.
      const toId = Math.max(fromId, end === nowUs ? maxEventId(db) : lastEventIdBefore(db, end));
      if (toId > fromId) passes.push({ fromId, toId, nowUs: end });
      fromId = toId;
    }
    return passes;
  } finally {
    db.close();
  }
}

async function testOne(
  c: CheckedRule,
  runner: RuleRunner,
  typesOf: (ids: readonly number[]) => readonly string[],
  passes: readonly Pass[],
  out: NodeJS.WritableStream,
  json: boolean,
): Promise<void> {
  const sql = withNewEventSources(c.rule.query, c.query.newSources, c.query.hasWith);
  const types = [
    ...new Set(
      [
        ...c.query.tables,
        ...c.query.newSources.map((s) => RULE_CATALOG.newEventSources.get(s) ?? ''),
      ].flatMap((t) => eventTypesOf(t)),
    ),
  ];
  const throttle = new ReplayThrottle(c.rule.throttleMs * 1000);
  let raised = 0;
  let suppressed = 0;
  let truncated = false;
  let ms = 0;
  for (const p of passes) {
    const [r] = await runner.run([
      { ruleId: c.rule.id, sql, fromId: p.fromId, toId: p.toId, nowUs: p.nowUs, maxRows: MAX_ROWS },
    ]);
    if (!r) continue;
    if (!r.ok) {
      out.write(`${c.rule.id}: run failed: ${r.error}\n`);
      process.exitCode = 1;
      return;
    }
    ms += r.ms;
    truncated ||= r.truncated;
    for (const row of r.rows) {
      const d = draftAlert(c.rule, row, p.nowUs, types, typesOf);
      if (!throttle.raise(d.dedupeKey, p.nowUs)) {
        suppressed++;
        continue;
      }
      raised++;
      if (json) out.write(`${JSON.stringify(d)}\n`);
      else
        out.write(
          `${sanitize(`[${d.severity}] ${d.title}  (dedupe ${d.dedupeKey}; events ${d.eventIds.join(',') || '-'})`)}\n`,
        );
    }
  }
  const first = passes[0];
  const last = passes[passes.length - 1];
  const range = first && last ? `events ${first.fromId + 1}..${last.toId}` : 'no events';
  const note = `${c.rule.id}: would raise ${raised} alert(s) from ${range}${passes.length > 1 ? ` in ${passes.length} passes` : ''}${suppressed ? `, ${suppressed} suppressed by throttle` : ''}${truncated ? ' (rows truncated)' : ''} in ${ms.toFixed(1)} ms`;
  if (json) process.stderr.write(`${note}\n`);
  else out.write(`${note}\n`);
}
