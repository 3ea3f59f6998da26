/** Alerts: insert with dedupe/throttle, list, show, acknowledge. */
import type { DatabaseSync } from 'node:sqlite';
import {
  type Alert,
  type AlertDraft,
  type Delivery,
  isSeverity,
  SEVERITIES,
  type Severity,
} from '../domain/rules/rule.ts';
import { num, type Row, str, strOrNull } from '../families/event-table.ts';

export interface RoutedDraft {
  readonly draft: AlertDraft;
  readonly sinks: readonly string[];
  readonly throttleMs: number;
}

export interface InsertResult {
  readonly inserted: number[];
  readonly suppressed: number;
}

/**
 * Inserts alerts and their pending deliveries (call inside a transaction).
 * A draft whose (rule, dedupe key) raised an alert within the throttle
 * window is not inserted: the earlier alert's `suppressed` count goes up.
 */
export function insertAlerts(db: DatabaseSync, drafts: readonly RoutedDraft[], nowUs: number): InsertResult {
  const recent = db.prepare(
    `SELECT id FROM alerts WHERE rule_id = ? AND dedupe_key = ? AND time_us >= ? ORDER BY time_us DESC LIMIT 1`,
  );
  const bump = db.prepare('UPDATE alerts SET suppressed = suppressed + 1 WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO alerts (time_us, rule_id, severity, title, details, event_ids, event_types, dedupe_key, tags)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const delivery = db.prepare(
    `INSERT INTO alert_deliveries (alert_id, sink, state, next_attempt_us) VALUES (?, ?, 'pending', ?)`,
  );
  const inserted: number[] = [];
  let suppressed = 0;
  for (const { draft: d, sinks, throttleMs } of drafts) {
    if (throttleMs > 0) {
      const prev = recent.get(d.ruleId, d.dedupeKey, nowUs - throttleMs * 1000) as Row | undefined;
      if (prev) {
        bump.run(num(prev.id));
        suppressed++;
        continue;
      }
    }
    const r = insert.run(
      d.timeUs,
      d.ruleId,
      d.severity,
      d.title,
      JSON.stringify(d.details),
      JSON.stringify(d.eventIds),
      JSON.stringify(d.eventTypes),
      d.dedupeKey,
      JSON.stringify(d.tags),
    );
    const id = Number(r.lastInsertRowid);
    for (const s of sinks) delivery.run(id, s, nowUs);
    inserted.push(id);
  }
  return { inserted, suppressed };
}

export function alertFromRow(r: Row): Alert {
  const severity = str(r.severity);
  return {
    id: num(r.id),
    timeUs: num(r.time_us),
    ruleId: str(r.rule_id),
    severity: isSeverity(severity) ? severity : 'medium',
    title: str(r.title),
    details: JSON.parse(str(r.details) || '{}') as Record<string, unknown>,
    eventIds: JSON.parse(str(r.event_ids) || '[]') as number[],
    eventTypes: JSON.parse(str(r.event_types) || '[]') as string[],
    dedupeKey: str(r.dedupe_key),
    tags: JSON.parse(str(r.tags) || '[]') as string[],
    suppressed: num(r.suppressed),
    ackedUs: r.acked_us === null || r.acked_us === undefined ? null : num(r.acked_us),
  };
}

function deliveryFromRow(r: Row): Delivery {
  const state = str(r.state);
  return {
    alertId: num(r.alert_id),
    sink: str(r.sink),
    state: state === 'delivered' || state === 'failed' ? state : 'pending',
    attempts: num(r.attempts),
    nextAttemptUs: num(r.next_attempt_us),
    lastError: strOrNull(r.last_error),
    deliveredUs: r.delivered_us === null || r.delivered_us === undefined ? null : num(r.delivered_us),
  };
}

export interface AlertFilter {
  readonly minSeverity?: Severity;
  readonly ruleId?: string;
  readonly sinceUs?: number;
  readonly limit?: number;
}

/** Newest `limit` alerts matching the filter, oldest first. */
export function listAlerts(db: DatabaseSync, f: AlertFilter = {}): Alert[] {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: f.limit ?? 100 };
  if (f.minSeverity) {
    const allowed = SEVERITIES.slice(SEVERITIES.indexOf(f.minSeverity));
    where.push(`severity IN (${allowed.map((s) => `'${s}'`).join(', ')})`);
  }
  if (f.ruleId) {
    where.push('rule_id = :rule');
    params.rule = f.ruleId;
  }
  if (f.sinceUs !== undefined) {
    where.push('time_us >= :since');
    params.since = f.sinceUs;
  }
  const sql = `SELECT * FROM (SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id DESC LIMIT :limit) ORDER BY id`;
  return (db.prepare(sql).all(params) as Row[]).map(alertFromRow);
}

export function getAlert(db: DatabaseSync, id: number): Alert | undefined {
  const r = db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
  return r ? alertFromRow(r) : undefined;
}

export function deliveriesOf(db: DatabaseSync, alertId: number): Delivery[] {
  return (
    db.prepare('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY sink').all(alertId) as Row[]
  ).map(deliveryFromRow);
}

/** Delivery state counts per alert id, for listings. */
export function deliverySummary(db: DatabaseSync, alertIds: readonly number[]): Map<number, Delivery[]> {
  const out = new Map<number, Delivery[]>();
  if (alertIds.length === 0) return out;
  const rows = db
    .prepare(`SELECT * FROM alert_deliveries WHERE alert_id BETWEEN ? AND ? ORDER BY alert_id, sink`)
    .all(Math.min(...alertIds), Math.max(...alertIds)) as Row[];
  for (const r of rows) {
    const d = deliveryFromRow(r);
    const list = out.get(d.alertId) ?? [];
    list.push(d);
    out.set(d.alertId, list);
  }
  return out;
}

export function ackAlert(db: DatabaseSync, id: number, nowUs: number): boolean {
  return (
    Number(
      db.prepare('UPDATE alerts SET acked_us = COALESCE(acked_us, ?) WHERE id = ?').run(nowUs, id).changes,
    ) > 0
  );
}
