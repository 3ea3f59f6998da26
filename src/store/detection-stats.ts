/**
 * Detection figures held in the database, for metrics: rule runs and
 * failures, alerts by rule and severity, delivery outcomes by sink, and the
 * outbox depth. Each is a count over durable rows, so it survives restarts.
 */
import type { DatabaseSync } from 'node:sqlite';
import { num, type Row, str } from '../families/event-table.ts';

export interface DetectionFigures {
  readonly rules: {
    readonly id: string;
    readonly runs: number;
    readonly failures: number;
    readonly runMsTotal: number;
    readonly slow: boolean;
  }[];
  readonly alertsRaised: { readonly ruleId: string; readonly severity: string; readonly count: number }[];
  readonly deliveries: { readonly sink: string; readonly outcome: string; readonly count: number }[];
  readonly outboxDepth: number;
}

export function readDetectionFigures(db: DatabaseSync): DetectionFigures {
  const rules = (
    db
      .prepare(
        `SELECT r.id, COALESCE(s.runs, 0) AS runs, COALESCE(s.failures, 0) AS failures,
           COALESCE(s.run_ms_total, 0) AS ms, COALESCE(s.slow, 0) AS slow
         FROM rules r LEFT JOIN rule_state s ON s.rule_id = r.id ORDER BY r.id`,
      )
      .all() as Row[]
  ).map((r) => ({
    id: str(r.id),
    runs: num(r.runs),
    failures: num(r.failures),
    runMsTotal: num(r.ms),
    slow: num(r.slow) === 1,
  }));
  const alertsRaised = (
    db
      .prepare('SELECT rule_id, severity, count(*) AS n FROM alerts GROUP BY rule_id, severity ORDER BY 1, 2')
      .all() as Row[]
  ).map((r) => ({ ruleId: str(r.rule_id), severity: str(r.severity), count: num(r.n) }));
  // Every attempt is counted on its row: a delivered row's last attempt succeeded, a failed
  // row's last attempt gave up; every other attempt failed and was retried.
  const deliveries: DetectionFigures['deliveries'] = [];
  let outboxDepth = 0;
  for (const r of db
    .prepare(
      `SELECT sink,
         SUM(state = 'delivered') AS delivered, SUM(state = 'failed') AS failed,
         SUM(state = 'pending') AS pending, SUM(attempts) AS attempts
       FROM alert_deliveries GROUP BY sink ORDER BY sink`,
    )
    .all() as Row[]) {
    const sink = str(r.sink);
    const delivered = num(r.delivered);
    const failed = num(r.failed);
    deliveries.push(
      { sink, outcome: 'delivered', count: delivered },
      { sink, outcome: 'failed', count: failed },
      { sink, outcome: 'retried', count: Math.max(0, num(r.attempts) - delivered - failed) },
    );
    outboxDepth += num(r.pending);
  }
  return { rules, alertsRaised, deliveries, outboxDepth };
}
