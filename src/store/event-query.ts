/**
 * Reading events back: filter by type, pid, command, user and time window,
 * newest `limit` rows returned oldest first (as a log reads). SQL text is
 * fixed per filter shape; every value is a bound parameter.
 */

import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { EventType, ExecEvent, ExitEvent, ForkEvent } from '../domain/events.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export interface EventFilter {
  readonly types?: readonly EventType[];
  readonly pid?: number;
  readonly comm?: string;
  readonly uid?: number;
  /** Inclusive lower bound, microseconds since the epoch. */
  readonly sinceUs?: number;
  /** Inclusive upper bound, microseconds since the epoch. */
  readonly untilUs?: number;
  /** Newest rows to return; default DEFAULT_LIMIT, at most MAX_LIMIT. */
  readonly limit?: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 100_000;

type Stored<E> = Omit<E, 'ktimeNs'> & { readonly id: number };
export type StoredExecEvent = Stored<ExecEvent>;
export type StoredForkEvent = Stored<ForkEvent>;
export type StoredExitEvent = Stored<ExitEvent>;
export type StoredEvent = StoredExecEvent | StoredForkEvent | StoredExitEvent;

// u64 columns read as REAL: node:sqlite throws on integers beyond 2^53 otherwise,
// and a process alive for more than 104 days has a lifetime_ns that large.
const COLUMNS = `id, time_us, type, pid, tid, ppid, uid, gid, CAST(cgroup_id AS REAL) AS cgroup_id, comm,
  filename, argv, argc, args_truncated, filename_truncated, old_pid,
  child_pid, exit_code, signal, core_dumped, CAST(lifetime_ns AS REAL) AS lifetime_ns`;

interface Row {
  id: number;
  time_us: number;
  type: string;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  cgroup_id: number;
  comm: string;
  filename: string | null;
  argv: string | null;
  argc: number | null;
  args_truncated: number | null;
  filename_truncated: number | null;
  old_pid: number | null;
  child_pid: number | null;
  exit_code: number | null;
  signal: number | null;
  core_dumped: number | null;
  lifetime_ns: number | null;
}

/** The newest `limit` events matching `filter`, ordered oldest to newest. */
export function queryEvents(db: DatabaseSync, filter: EventFilter = {}): StoredEvent[] {
  const limit = checkLimit(filter.limit);
  const { where, params } = whereClause(filter);
  const sql = `SELECT ${COLUMNS} FROM process_events ${where} ORDER BY time_us DESC, id DESC LIMIT ?`;
  const rows = run(() => db.prepare(sql).all(...params, limit)) as unknown as Row[];
  const events = rows.map(toEvent);
  events.reverse();
  return events;
}

/** How many events match `filter` (its `limit` is ignored). */
export function countEvents(db: DatabaseSync, filter: EventFilter = {}): number {
  const { where, params } = whereClause(filter);
  const row = run(() => db.prepare(`SELECT count(*) AS n FROM process_events ${where}`).get(...params)) as {
    n: number;
  };
  return row.n;
}

function whereClause(f: EventFilter): { where: string; params: SQLInputValue[] } {
  const conds: string[] = [];
  const params: SQLInputValue[] = [];
  if (f.types !== undefined) {
    if (f.types.length === 0) conds.push('0');
    else {
      conds.push(`type IN (${f.types.map(() => '?').join(', ')})`);
      params.push(...f.types);
    }
  }
  if (f.pid !== undefined) {
    conds.push('pid = ?');
    params.push(checkInt('pid', f.pid));
  }
  if (f.comm !== undefined) {
    conds.push('comm = ?');
    params.push(f.comm);
  }
  if (f.uid !== undefined) {
    conds.push('uid = ?');
    params.push(checkInt('uid', f.uid));
  }
  if (f.sinceUs !== undefined) {
    conds.push('time_us >= ?');
    params.push(checkInt('sinceUs', f.sinceUs));
  }
  if (f.untilUs !== undefined) {
    conds.push('time_us <= ?');
    params.push(checkInt('untilUs', f.untilUs));
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

function toEvent(r: Row): StoredEvent {
  const common = {
    id: r.id,
    timeUs: r.time_us,
    pid: r.pid,
    tid: r.tid,
    ppid: r.ppid,
    uid: r.uid,
    gid: r.gid,
    cgroupId: r.cgroup_id,
    comm: r.comm,
  };
  switch (r.type) {
    case 'exec':
      return {
        ...common,
        type: 'exec',
        filename: r.filename ?? '',
        argv: parseArgv(r.argv),
        argc: r.argc ?? 0,
        argsTruncated: r.args_truncated === 1,
        filenameTruncated: r.filename_truncated === 1,
        oldPid: r.old_pid ?? r.pid,
      };
    case 'fork':
      return { ...common, type: 'fork', childPid: r.child_pid ?? 0 };
    default:
      return {
        ...common,
        type: 'exit',
        exitCode: r.exit_code,
        signal: r.signal,
        coreDumped: r.core_dumped === 1,
        lifetimeNs: r.lifetime_ns ?? 0,
      };
  }
}

function parseArgv(json: string | null): string[] {
  if (json === null) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new StoreError('BAD_FILTER', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

function checkInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new StoreError('BAD_FILTER', `${name} must be an integer, got ${v}`);
  return v;
}

function run<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new StoreError('DB_QUERY', `query failed: ${sqliteMessage(err)}`, { cause: err });
  }
}
