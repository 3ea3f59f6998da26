/** Reading alerts by id for live streams: rows after a cursor, oldest first. */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { type Alert, SEVERITIES, type Severity, severityRank } from '../domain/rules/rule.ts';
import { num, type Row } from '../families/event-table.ts';
import { alertFromRow } from './alerts-store.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export interface TailAlertFilter {
  /** This severity and above. */
  readonly minSeverity?: Severity;
  readonly ruleId?: string;
}

export function maxAlertId(db: DatabaseSync): number {
  return num((db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM alerts').get() as Row | undefined)?.id);
}

/**
 * Alerts with afterId < id <= throughId, oldest first, at most `limit`,
 * matching any of `filters` (every alert when undefined or one is empty).
 */
export function readAlertsAfter(
  db: DatabaseSync,
  afterId: number,
  throughId: number,
  filters: readonly TailAlertFilter[] | undefined,
  limit: number,
): Alert[] {
  const params: SQLInputValue[] = [afterId, throughId];
  const all =
    filters === undefined || filters.some((f) => f.minSeverity === undefined && f.ruleId === undefined);
  const or = all ? '' : filters.map((f) => `(${conditions(f, params)})`).join(' OR ');
  params.push(limit);
  try {
    const rows = db
      .prepare(`SELECT * FROM alerts WHERE id > ? AND id <= ?${or ? ` AND (${or})` : ''} ORDER BY id LIMIT ?`)
      .all(...params) as Row[];
    return rows.map(alertFromRow);
  } catch (err) {
    throw new StoreError('STORE_DB_QUERY', `reading new alerts failed: ${sqliteMessage(err)}`, {
      cause: err,
    });
  }
}

export function alertMatches(f: TailAlertFilter, a: Alert): boolean {
  return (
    (f.minSeverity === undefined || severityRank(a.severity) >= severityRank(f.minSeverity)) &&
    (f.ruleId === undefined || a.ruleId === f.ruleId)
  );
}

function conditions(f: TailAlertFilter, params: SQLInputValue[]): string {
  const c: string[] = [];
  if (f.minSeverity !== undefined) {
    const allowed = SEVERITIES.slice(severityRank(f.minSeverity));
    c.push(`severity IN (${allowed.map(() => '?').join(', ')})`);
    params.push(...allowed);
  }
  if (f.ruleId !== undefined) {
    c.push('rule_id = ?');
    params.push(f.ruleId);
  }
  return c.length ? c.join(' AND ') : '1';
}
