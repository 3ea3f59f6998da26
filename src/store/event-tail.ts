/**
 * Reading events by id for live streams: rows after a cursor, each event
 * table read by its primary key (a range scan, however large the table),
 * merged in id order. Ids are assigned by the one writer and committed in
 * order, so "id > cursor" never skips a row committed later.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Row } from '../families/event-table.ts';
import type { EventType } from '../families/events.ts';
import { COMMON, type StoredEvent, toEvent } from './event-query.ts';
import { StoreError, sqliteMessage } from './store-error.ts';
import { EVENT_TABLES } from './tables/index.ts';

/** What a live event stream can filter on (every field optional: all must match). */
export interface TailEventFilter {
  readonly types?: readonly EventType[];
  readonly pid?: number;
  readonly comm?: string;
  readonly uid?: number;
}

/**
 * Events with afterId < id <= throughId, oldest first, at most `limit`,
 * matching any of `filters` (every event when undefined or when one filter
 * is empty).
 */
export function readEventsAfter(
  db: DatabaseSync,
  afterId: number,
  throughId: number,
  filters: readonly TailEventFilter[] | undefined,
  limit: number,
): StoredEvent[] {
  const all = filters === undefined || filters.some(isEmpty);
  const out: StoredEvent[] = [];
  for (const table of EVENT_TABLES) {
    const wanted = all
      ? undefined
      : filters.filter((f) => f.types === undefined || f.types.some((t) => table.types.includes(t)));
    if (wanted !== undefined && wanted.length === 0) continue;
    const params: SQLInputValue[] = [afterId, throughId];
    const or = wanted?.map((f) => `(${conditions(f, params)})`).join(' OR ');
    const sql = `SELECT ${COMMON}, ${table.selectColumns} FROM ${table.name}
      WHERE id > ? AND id <= ?${or ? ` AND (${or})` : ''} ORDER BY id LIMIT ?`;
    params.push(limit);
    let rows: Row[];
    try {
      rows = db.prepare(sql).all(...params) as Row[];
    } catch (err) {
      throw new StoreError('STORE_DB_QUERY', `reading new events failed: ${sqliteMessage(err)}`, {
        cause: err,
      });
    }
    for (const r of rows) {
      const e = toEvent(r);
      if (e) out.push(e);
    }
  }
  // Each table gave its first `limit` rows, so the first `limit` of the merge are exact.
  out.sort((a, b) => a.id - b.id);
  if (out.length > limit) out.length = limit;
  return out;
}

export function eventMatches(f: TailEventFilter, e: StoredEvent): boolean {
  return (
    (f.types === undefined || f.types.includes(e.type)) &&
    (f.pid === undefined || e.pid === f.pid) &&
    (f.comm === undefined || e.comm === f.comm) &&
    (f.uid === undefined || e.uid === f.uid)
  );
}

function isEmpty(f: TailEventFilter): boolean {
  return f.types === undefined && f.pid === undefined && f.comm === undefined && f.uid === undefined;
}

function conditions(f: TailEventFilter, params: SQLInputValue[]): string {
  const c: string[] = [];
  if (f.types !== undefined) {
    c.push(f.types.length ? `type IN (${f.types.map(() => '?').join(', ')})` : '0');
    params.push(...f.types);
  }
  for (const [col, v] of [
    ['pid', f.pid],
    ['comm', f.comm],
    ['uid', f.uid],
  ] as const) {
    if (v === undefined) continue;
    c.push(`${col} = ?`);
    params.push(v);
  }
  return c.length ? c.join(' AND ') : '1';
}
