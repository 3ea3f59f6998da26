/**
 * Summaries over stored events: counts with first and last seen, grouped by
 * command, pid, type or destination (per process). Filters reuse the event
 * query's; every value is a bound parameter and group keys come from a fixed
 * list, never from user text.
 */
import type { DatabaseSync } from 'node:sqlite';
import { type EventFilter, whereClause } from './event-query.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export const SUMMARY_KEYS = ['comm', 'pid', 'type', 'dest', 'uid', 'reason', 'rule'] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

export interface SummaryRow {
  /** The group: e.g. { comm: 'curl' } or { comm, addr, port } for dest. */
  readonly key: Readonly<Record<string, string | number | null>>;
  readonly count: number;
  readonly firstUs: number;
  readonly lastUs: number;
}

interface Group {
  readonly select: string;
  readonly columns: readonly string[];
  readonly where?: string;
  /** A family table to group instead of the events view (rows picked by the filter through the view). */
  readonly table?: string;
}

const GROUPS: Record<SummaryKey, Group> = {
  comm: { select: 'comm', columns: ['comm'] },
  pid: { select: 'pid, comm', columns: ['pid', 'comm'] },
  type: { select: 'type', columns: ['type'] },
  uid: { select: 'uid', columns: ['uid'] },
  // Connection summary per process: who talks to which remote address and port.
  dest: { select: 'comm, addr, port', columns: ['comm', 'addr', 'port'], where: 'addr IS NOT NULL' },
  // Drop summary: which kernel drop reasons, how often.
  reason: { select: 'reason_name', columns: ['reason_name'], table: 'drop_events' },
  // Enforcement summary: which policy rules decided what, how often.
  rule: { select: 'type, rule_id, action', columns: ['type', 'rule_id', 'action'], table: 'policy_events' },
};

export function isSummaryKey(s: string): s is SummaryKey {
  return (SUMMARY_KEYS as readonly string[]).includes(s);
}

/** Groups matching events by `by`, largest groups first, at most filter.limit groups. */
export function summarizeEvents(db: DatabaseSync, by: SummaryKey, filter: EventFilter = {}): SummaryRow[] {
  const g = GROUPS[by];
  const { where, params } = whereClause(filter);
  const extra = g.where ? (where ? ` AND ${g.where}` : `WHERE ${g.where}`) : '';
  const from = g.table
    ? `${g.table} WHERE id IN (SELECT id FROM events ${where}${extra})`
    : `events ${where}${extra}`;
  const sql = `SELECT ${g.select}, count(*) AS n, min(time_us) AS first_us, max(time_us) AS last_us
    FROM ${from} GROUP BY ${g.select} ORDER BY n DESC, last_us DESC LIMIT ?`;
  let rows: Record<string, unknown>[];
  try {
    rows = db.prepare(sql).all(...params, filter.limit ?? 50) as Record<string, unknown>[];
  } catch (err) {
    throw new StoreError('STORE_DB_QUERY', `summary failed: ${sqliteMessage(err)}`, { cause: err });
  }
  return rows.map((r) => ({
    key: Object.fromEntries(g.columns.map((c) => [c, (r[c] ?? null) as string | number | null])),
    count: Number(r.n),
    firstUs: Number(r.first_us),
    lastUs: Number(r.last_us),
  }));
}
