/**
 * Schema migrations, tracked by PRAGMA user_version and applied at start-up,
 * each in its own transaction. Adding a migration is adding one entry to
 * MIGRATIONS; a migration that creates an event table names it in
 * `eventTables` and the `events` view is rebuilt over all of them (as it is
 * for one that sets `eventsView`, when the view's columns change).
 * An event family's table (its DDL) is in its folder, src/families/<name>/
 * table.ts; the migration that created it is history, so this list is kept
 * by hand, never derived from the family list.
 */

import type { DatabaseSync } from 'node:sqlite';
import { DNS_TABLE } from '../families/dns/table.ts';
import { DROP_TABLE } from '../families/drop/table.ts';
import { COMMON_COLUMNS, type EventTable } from '../families/event-table.ts';
import { FILE_TABLE } from '../families/file/table.ts';
import { NET_TABLE } from '../families/net/table.ts';
import { POLICY_TABLE } from '../families/policy/table.ts';
import { PROCESS_TABLE } from '../families/process/table.ts';
import { ALERTS_SCHEMA_SQL, RULE_COST_DDL } from './alerts-schema.ts';
import { FIREWALL_DDL } from './firewall-schema.ts';
import { MANAGER_DDL } from './manager-schema.ts';
import { POLICY_RULES_API_SOURCE_DDL, POLICY_RULES_DDL } from './policy-schema.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: string;
  /** Event tables this migration creates; the `events` view is rebuilt over all of them. */
  readonly eventTables?: readonly EventTable[];
  /** The `events` view's columns changed: rebuilt over the event tables so far. */
  readonly eventsView?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'process events, events view, meta',
    eventTables: [PROCESS_TABLE],
    up: `${PROCESS_TABLE.ddl}
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);`,
  },
  {
    version: 2,
    description: 'file events',
    eventTables: [FILE_TABLE],
    up: FILE_TABLE.ddl,
  },
  {
    version: 3,
    description: 'network events',
    eventTables: [NET_TABLE],
    up: NET_TABLE.ddl,
  },
  {
    version: 4,
    description: 'packet drop events',
    eventTables: [DROP_TABLE],
    up: DROP_TABLE.ddl,
  },
  {
    version: 5,
    description: 'dns events',
    eventTables: [DNS_TABLE],
    up: DNS_TABLE.ddl,
  },
  {
    version: 6,
    description: 'rules, alerts and the delivery outbox',
    up: ALERTS_SCHEMA_SQL,
  },
  {
    version: 7,
    description: 'program manager: objects, programs, maps, links, metadata',
    up: MANAGER_DDL,
  },
  {
    version: 8,
    description: 'policy events; egress and exec policy rules and their change log',
    eventTables: [POLICY_TABLE],
    up: `${POLICY_TABLE.ddl}
      ${POLICY_RULES_DDL}`,
  },
  {
    version: 9,
    description: 'firewall: rules, rate limit settings, interfaces and their change log',
    up: FIREWALL_DDL,
  },
  {
    version: 10,
    description: 'partial indexes for rules over history: failed file calls by time, accepts by port',
    // Without them failed-open-burst scans every file event of its window on
    // each pass, and new-listening-port every older net event for each new
    // accept. Both index few rows with keys that mostly append. (An index of
    // outbound connections by port, for rare-outbound-port, tripled the
    // insert cost of a net row; that rule uses net_events_remote instead.)
    up: `CREATE INDEX file_events_failed_time ON file_events (time_us) WHERE result < 0;
      CREATE INDEX net_events_accept_port ON net_events (local_port, time_us) WHERE type = 'tcp_accept';`,
  },
  {
    version: 11,
    description: "policy rules: source 'api' for rules added over the REST API",
    up: POLICY_RULES_API_SOURCE_DDL,
  },
  {
    version: 12,
    description: 'events view: local_port, for filters on either end of a connection',
    eventsView: true,
    up: '',
  },
  {
    version: 13,
    description: 'rule state: run cost and whether the rule runs on its own',
    up: RULE_COST_DDL,
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
  const common = COMMON_COLUMNS.join(', ');
  const selects = tables.map(
    (t) =>
      `SELECT ${common}, ${t.view.path} AS path, ${t.view.addr} AS addr, ${t.view.port} AS port, ${t.view.localPort} AS local_port FROM ${t.name}`,
  );
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
    'STORE_DB_SCHEMA',
    `${what} has schema version ${found}, newer than this bpfwarden supports (${latest}); upgrade bpfwarden`,
  );
}

function readVersion(db: DatabaseSync): number {
  try {
    return schemaVersion(db);
  } catch (err) {
    throw new StoreError('STORE_DB_OPEN', `cannot read schema version: ${sqliteMessage(err)}`, {
      cause: err,
    });
  }
}

function applyOne(db: DatabaseSync, m: Migration, all: readonly Migration[]): void {
  try {
    // IMMEDIATE takes the write lock first, so two processes starting at once
    // cannot both apply the same migration; the version is re-checked inside.
    db.exec('BEGIN IMMEDIATE');
    if (schemaVersion(db) < m.version) {
      db.exec(m.up);
      if (m.eventTables?.length || m.eventsView) {
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
      'STORE_DB_MIGRATION',
      `migration ${m.version} (${m.description}) failed: ${sqliteMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
