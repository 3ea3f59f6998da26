/**
 * Schema migrations, tracked by PRAGMA user_version and applied at start-up,
 * each in its own transaction. Adding a migration is adding one entry to
 * MIGRATIONS; a migration that creates an event table names it in
 * `eventTables` and the `events` view is rebuilt over all of them.
 */

import type { DatabaseSync } from 'node:sqlite';
import { StoreError, sqliteMessage } from './store-error.ts';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: string;
  /** Event tables this migration creates; each has the common event columns. */
  readonly eventTables?: readonly string[];
}

/** Columns every event table has; the `events` view exposes exactly these. */
export const COMMON_EVENT_COLUMNS = 'id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'process events, events view, meta',
    eventTables: ['process_events'],
    up: `
      CREATE TABLE process_events (
        -- Assigned by the writer (global across event tables), so no AUTOINCREMENT.
        id INTEGER PRIMARY KEY,
        time_us INTEGER NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('exec', 'fork', 'exit')),
        pid INTEGER NOT NULL,
        tid INTEGER NOT NULL,
        ppid INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        gid INTEGER NOT NULL,
        cgroup_id INTEGER NOT NULL,
        comm TEXT NOT NULL,
        filename TEXT,
        argv TEXT,
        argc INTEGER,
        args_truncated INTEGER,
        filename_truncated INTEGER,
        old_pid INTEGER,
        child_pid INTEGER,
        exit_code INTEGER,
        signal INTEGER,
        core_dumped INTEGER,
        lifetime_ns INTEGER
      );
      CREATE INDEX process_events_time ON process_events (time_us);
      CREATE INDEX process_events_type_time ON process_events (type, time_us);
      CREATE INDEX process_events_pid_time ON process_events (pid, time_us);
      CREATE INDEX process_events_comm_time ON process_events (comm, time_us);
      CREATE INDEX process_events_uid ON process_events (uid);
      CREATE INDEX process_events_cgroup ON process_events (cgroup_id);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/** The `events` view over every event table created by migrations up to `version`. */
export function eventsViewSql(version: number, migrations: readonly Migration[] = MIGRATIONS): string {
  const tables = migrations.filter((m) => m.version <= version).flatMap((m) => m.eventTables ?? []);
  const selects = tables.map((t) => `SELECT ${COMMON_EVENT_COLUMNS} FROM ${t}`);
  return `CREATE VIEW events AS ${selects.join(' UNION ALL ')}`;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the database to LATEST_SCHEMA_VERSION. Refuses (DB_SCHEMA) a
 * database written by a newer bpfwarden rather than guessing at its schema.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const from = readVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) throw newerSchemaError(from, latest);
  for (const m of migrations) {
    if (m.version > from) applyOne(db, m, migrations);
  }
  return { from, to: Math.max(from, latest) };
}

export function newerSchemaError(found: number, latest: number, path?: string): StoreError {
  const what = path === undefined ? 'database' : `database ${path}`;
  return new StoreError(
    'DB_SCHEMA',
    `${what} has schema version ${found}, newer than this bpfwarden supports (${latest}); upgrade bpfwarden`,
  );
}

function readVersion(db: DatabaseSync): number {
  try {
    return schemaVersion(db);
  } catch (err) {
    throw new StoreError('DB_OPEN', `cannot read schema version: ${sqliteMessage(err)}`, { cause: err });
  }
}

function applyOne(db: DatabaseSync, m: Migration, all: readonly Migration[]): void {
  try {
    // IMMEDIATE takes the write lock first, so two processes starting at once
    // cannot both apply the same migration; the version is re-checked inside.
    db.exec('BEGIN IMMEDIATE');
    if (schemaVersion(db) < m.version) {
      db.exec(m.up);
      if (m.eventTables?.length) {
        db.exec('DROP VIEW IF EXISTS events');
        db.exec(eventsViewSql(m.version, all));
      }
      // user_version lives in the database header, so it commits or rolls back with the rest.
      db.exec(`PRAGMA user_version = ${Math.trunc(m.version)}`);
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw new StoreError(
      'DB_MIGRATION',
      `migration ${m.version} (${m.description}) failed: ${sqliteMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
