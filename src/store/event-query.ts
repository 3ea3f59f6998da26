/**
 * Reading events back: filter by type, pid, command, user, path, address,
 * ports and time window over the `events` view (common columns of every
 * table), then fetch each row's own columns from its family's table. The
 * newest `limit` rows come back oldest first (as a log reads). Every value
 * is a bound parameter.
 */

import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { num, type Row, type Stored, str } from '../families/event-table.ts';
import type { BpfEvent, EventType } from '../families/events.ts';
import { StoreError, sqliteMessage } from './store-error.ts';
import { EVENT_TABLES, tableFor } from './tables/index.ts';

export interface EventFilter {
  readonly types?: readonly EventType[];
  readonly pid?: number;
  readonly comm?: string;
  readonly uid?: number;
  /** Path prefix (exec filename, file path). */
  readonly path?: string;
  /** Remote address, exactly as stored (e.g. 127.0.0.1, ::1). */
  readonly addr?: string;
  /** Either end's port: local or remote. */
  readonly port?: number;
  /** This host's end (a connection's local port, a DNS client's, a drop's source). */
  readonly localPort?: number;
  /** The remote end (as `addr`): a connection's peer, a DNS server, a drop's destination. */
  readonly remotePort?: number;
  /** Inclusive lower bound, microseconds since the epoch. */
  readonly sinceUs?: number;
  /** Inclusive upper bound, microseconds since the epoch. */
  readonly untilUs?: number;
  /** Newest rows to return; default DEFAULT_LIMIT, at most MAX_LIMIT. */
  readonly limit?: number;
  /** Only rows older than this position in (time, id) order: the cursor of a previous page. */
  readonly before?: EventCursor;
}

/** A position in the (time_us, id) order events are listed in. */
export interface EventCursor {
  readonly timeUs: number;
  readonly id: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 100_000;

export type StoredEvent = Stored<BpfEvent>;
export type StoredExecEvent = Extract<StoredEvent, { type: 'exec' }>;
export type StoredForkEvent = Extract<StoredEvent, { type: 'fork' }>;
export type StoredExitEvent = Extract<StoredEvent, { type: 'exit' }>;

export const COMMON =
  'id, time_us, type, pid, tid, ppid, uid, gid, CAST(cgroup_id AS REAL) AS cgroup_id, comm';

/** The newest `limit` events matching `filter`, ordered oldest to newest. */
export function queryEvents(db: DatabaseSync, filter: EventFilter = {}): StoredEvent[] {
  const limit = checkLimit(filter.limit);
  const hits = newestHits(db, filter, limit);
  // Fetch full rows per table, by id.
  const byTable = new Map<string, number[]>();
  for (const h of hits) {
    const t = tableFor(h.type as EventType)?.table.name;
    if (!t) continue;
    const ids = byTable.get(t);
    if (ids) ids.push(h.id);
    else byTable.set(t, [h.id]);
  }
  const byId = new Map<number, StoredEvent>();
  for (const table of EVENT_TABLES) {
    const ids = byTable.get(table.name);
    if (!ids) continue;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = run(() =>
        db
          .prepare(
            `SELECT ${COMMON}, ${table.selectColumns} FROM ${table.name} WHERE id IN (${chunk.map(() => '?').join(',')})`,
          )
          .all(...chunk),
      ) as Row[];
      for (const r of rows) {
        const e = toEvent(r);
        if (e) byId.set(e.id, e);
      }
    }
  }
  const out: StoredEvent[] = [];
  for (let i = hits.length - 1; i >= 0; i--) {
    const e = byId.get(hits[i]!.id);
    if (e) out.push(e);
  }
  return out;
}

interface Hit {
  readonly id: number;
  readonly type: string;
  readonly time_us: number;
}

/**
 * The newest `limit` matches, newest first. Each table is asked for its own
 * newest rows (walking its time index backwards, stopping at `limit`) and
 * the lists are merged here: ordering the `events` view itself makes SQLite
 * read every row of every table and sort them.
 */
function newestHits(db: DatabaseSync, filter: EventFilter, limit: number): Hit[] {
  const { where, params } = whereClause(filter);
  const lists: Hit[][] = [];
  for (const t of EVENT_TABLES) {
    if (filter.types && !t.types.some((x) => (filter.types as readonly string[] | undefined)?.includes(x)))
      continue;
    const branch = `SELECT id, time_us, type, pid, uid, comm, ${t.view.path} AS path, ${t.view.addr} AS addr, ${t.view.port} AS port, ${t.view.localPort} AS local_port FROM ${t.name}`;
    const sql = `SELECT id, type, time_us FROM (${branch}) ${where} ORDER BY time_us DESC, id DESC LIMIT ?`;
    lists.push(run(() => db.prepare(sql).all(...params, limit)) as unknown as Hit[]);
  }
  return lists
    .flat()
    .sort((a, b) => b.time_us - a.time_us || b.id - a.id)
    .slice(0, limit);
}

/** How many events match `filter` (its `limit` is ignored). */
export function countEvents(db: DatabaseSync, filter: EventFilter = {}): number {
  const { where, params } = whereClause(filter);
  const row = run(() => db.prepare(`SELECT count(*) AS n FROM events ${where}`).get(...params)) as {
    n: number;
  };
  return row.n;
}

export function whereClause(f: EventFilter): { where: string; params: SQLInputValue[] } {
  const conds: string[] = [];
  const params: SQLInputValue[] = [];
  if (f.types !== undefined) {
    if (f.types.length === 0) conds.push('0');
    else {
      conds.push(`type IN (${f.types.map(() => '?').join(', ')})`);
      params.push(...f.types);
    }
  }
  const eq = (col: string, v: SQLInputValue): void => {
    conds.push(`${col} = ?`);
    params.push(v);
  };
  if (f.pid !== undefined) eq('pid', checkInt('pid', f.pid));
  if (f.comm !== undefined) eq('comm', f.comm);
  if (f.uid !== undefined) eq('uid', checkInt('uid', f.uid));
  if (f.addr !== undefined) eq('addr', f.addr);
  if (f.port !== undefined) {
    // Walks the time index as the other port filters do (an OR of two columns
    // uses no per-column index); a type filter narrows the tables first.
    const p = checkInt('port', f.port);
    conds.push('(port = ? OR local_port = ?)');
    params.push(p, p);
  }
  if (f.localPort !== undefined) eq('local_port', checkInt('localPort', f.localPort));
  if (f.remotePort !== undefined) eq('port', checkInt('remotePort', f.remotePort));
  if (f.path !== undefined) {
    // Prefix match without LIKE wildcards in the user's text. SQLite's substr
    // counts characters (code points), not UTF-16 units as String.length does.
    conds.push('substr(path, 1, ?) = ?');
    params.push([...f.path].length, f.path);
  }
  if (f.sinceUs !== undefined) {
    conds.push('time_us >= ?');
    params.push(checkInt('sinceUs', f.sinceUs));
  }
  if (f.untilUs !== undefined) {
    conds.push('time_us <= ?');
    params.push(checkInt('untilUs', f.untilUs));
  }
  if (f.before !== undefined) {
    const t = checkInt('before.timeUs', f.before.timeUs);
    conds.push('(time_us < ? OR (time_us = ? AND id < ?))');
    params.push(t, t, checkInt('before.id', f.before.id));
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export function toEvent(r: Row): StoredEvent | undefined {
  const found = tableFor(str(r.type) as EventType);
  if (!found) return undefined;
  return {
    id: num(r.id),
    timeUs: num(r.time_us),
    pid: num(r.pid),
    tid: num(r.tid),
    ppid: num(r.ppid),
    uid: num(r.uid),
    gid: num(r.gid),
    cgroupId: num(r.cgroup_id),
    comm: str(r.comm),
    ...found.mapping.fromRow(r),
  } as StoredEvent;
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new StoreError('STORE_BAD_FILTER', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

function checkInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v))
    throw new StoreError('STORE_BAD_FILTER', `${name} must be an integer, got ${v}`);
  return v;
}

function run<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new StoreError('STORE_DB_QUERY', `query failed: ${sqliteMessage(err)}`, { cause: err });
  }
}
