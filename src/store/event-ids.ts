/** The newest stored event id: the max over every event table (each a rowid lookup). */
import type { DatabaseSync } from 'node:sqlite';
import { num, type Row } from '../families/event-table.ts';
import { EVENT_TABLES } from './tables/index.ts';

export function maxEventIdSql(): string {
  return `SELECT MAX(${EVENT_TABLES.map((t) => `(SELECT COALESCE(MAX(id), 0) FROM ${t.name})`).join(', ')}, 0) AS id`;
}

export function maxEventId(db: DatabaseSync): number {
  return num((db.prepare(maxEventIdSql()).get() as Row | undefined)?.id);
}

/** The first event id stored at or after a time (for `rules test --since`). */
export function firstEventIdSince(db: DatabaseSync, sinceUs: number): number {
  const parts = EVENT_TABLES.map((t) => `SELECT MIN(id) AS id FROM ${t.name} WHERE time_us >= :since`);
  const r = db.prepare(`SELECT MIN(id) AS id FROM (${parts.join(' UNION ALL ')})`).get({ since: sinceUs }) as
    | Row
    | undefined;
  return r?.id === null || r?.id === undefined ? maxEventId(db) + 1 : num(r.id);
}

/** The newest event id stored before a time (the end of a `rules test --since` replay step). */
export function lastEventIdBefore(db: DatabaseSync, beforeUs: number): number {
  const parts = EVENT_TABLES.map((t) => `SELECT MAX(id) AS id FROM ${t.name} WHERE time_us < :before`);
  const r = db
    .prepare(`SELECT MAX(id) AS id FROM (${parts.join(' UNION ALL ')})`)
    .get({ before: beforeUs }) as Row | undefined;
  return r?.id === null || r?.id === undefined ? 0 : num(r.id);
}

/** Read at most this many ids of one alert for its types. */
const MAX_TYPED_IDS = 64;

/** The stored types of events by id (an alert's triggering events), through the events view. */
export function eventTypesByIds(db: DatabaseSync, ids: readonly number[]): string[] {
  const some = ids.slice(0, MAX_TYPED_IDS);
  if (!some.length) return [];
  const rows = db
    .prepare(`SELECT DISTINCT type FROM events WHERE id IN (${some.map(() => '?').join(',')})`)
    .all(...some) as Row[];
  return rows.map((r) => String(r.type));
}
