/**
 * How an event family is stored: its table, the columns it adds to the
 * common ones, its projection into the `events` view, and per event type
 * the values written and read back. One file per family registers one table.
 */
import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { EventBase } from '../domain/event-base.ts';

export type Row = Record<string, SQLOutputValue>;
/**
 * An event as read back from the store (one family's; StoredEvent in
 * store/event-query.ts is any family's). Generic over the event, so nothing
 * here depends on the family list that lists these tables.
 */
export type Stored<E extends EventBase> = E extends EventBase
  ? Omit<E, 'ktimeNs'> & { readonly id: number }
  : never;

/** Columns every event table starts with, in insert order. */
export const COMMON_COLUMNS = [
  'id',
  'time_us',
  'type',
  'pid',
  'tid',
  'ppid',
  'uid',
  'gid',
  'cgroup_id',
  'comm',
] as const;

/** DDL of the common columns; `types` constrains the type column. */
export function commonColumnsSql(types: readonly string[]): string {
  return `
    -- Assigned by the writer (global across event tables), so no AUTOINCREMENT.
    id INTEGER PRIMARY KEY,
    time_us INTEGER NOT NULL,
    type TEXT NOT NULL CHECK (type IN (${types.map((t) => `'${t}'`).join(', ')})),
    pid INTEGER NOT NULL,
    tid INTEGER NOT NULL,
    ppid INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    cgroup_id INTEGER NOT NULL,
    comm TEXT NOT NULL`;
}

/**
 * The index every event table has: by time. Rows arrive in time order, so it
 * appends cheaply. Measured on file events: a (type, time) index costs about
 * 1.25x ingest, a pid or comm index about 3x (random b-tree inserts), so
 * high-volume tables filter those within a time window; low-volume tables
 * add them (see process_events).
 */
export function commonIndexesSql(table: string): string {
  return `
    CREATE INDEX ${table}_time ON ${table} (time_us);`;
}

export interface TypeMapping {
  readonly type: string;
  /** Type-specific columns, in the order values() returns them. */
  readonly columns: readonly string[];
  readonly values: (e: EventBase) => SQLInputValue[];
  /** The type-specific fields of a stored row. */
  readonly fromRow: (row: Row) => Record<string, unknown>;
}

/**
 * Typed constructors of mappings for a family's events U (the registry holds
 * them untyped): `const mapping = mappingFor<DnsEvent>();`.
 */
export function mappingFor<U extends EventBase>() {
  return <T extends U['type']>(
    type: T,
    columns: readonly string[],
    values: (e: Extract<U, { type: T }>) => SQLInputValue[],
    fromRow: (row: Row) => Omit<Extract<U, { type: T }>, Exclude<keyof EventBase, 'type'>>,
  ): TypeMapping => ({ type, columns, values: values as (e: EventBase) => SQLInputValue[], fromRow });
}

export interface EventTable {
  readonly name: string;
  readonly types: readonly string[];
  /** CREATE TABLE and indexes. */
  readonly ddl: string;
  /**
   * What the table contributes to the `events` view (SQL expressions): path;
   * addr and port, the remote end; local_port, this host's end.
   */
  readonly view: {
    readonly path: string;
    readonly addr: string;
    readonly port: string;
    readonly localPort: string;
  };
  /** SELECT list of the table's own columns (u64 values as REAL: node:sqlite throws beyond 2^53). */
  readonly selectColumns: string;
  readonly mappings: readonly TypeMapping[];
}

export function num(v: SQLOutputValue | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}

export function numOrNull(v: SQLOutputValue | undefined): number | null {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
}

export function str(v: SQLOutputValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

export function strOrNull(v: SQLOutputValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

export function bool(v: SQLOutputValue | undefined): boolean {
  return v === 1 || v === 1n;
}

export function jsonStrings(v: SQLOutputValue | undefined): string[] {
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
