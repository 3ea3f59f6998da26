import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openDatabase } from '../../../src/store/database.ts';
import {
  eventsViewSql,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  migrate,
  schemaVersion,
} from '../../../src/store/migrations.ts';
import { StoreError } from '../../../src/store/store-error.ts';
import { EVENT_TABLES } from '../../../src/store/tables/index.ts';
import { tempDir } from './fixtures.ts';

function names(db: DatabaseSync, type: string): string[] {
  const rows = db.prepare('SELECT name FROM sqlite_schema WHERE type = ? ORDER BY name').all(type) as {
    name: string;
  }[];
  return rows.map((r) => r.name).filter((n) => !n.startsWith('sqlite_'));
}

test('a fresh database reaches the latest version with the tables, indexes and view', (t) => {
  const path = join(tempDir(t), 'sub', 'dir', 'events.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.at(-1)?.version);
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
  const tables = names(db, 'table');
  for (const t of ['meta', ...EVENT_TABLES.map((x) => x.name)]) assert.ok(tables.includes(t), `table ${t}`);
  assert.deepEqual(names(db, 'view'), ['events']);
  const indexes = names(db, 'index');
  // Every event table is indexed by time; process events also by type, pid and comm.
  for (const table of EVENT_TABLES) {
    assert.ok(indexes.includes(`${table.name}_time`), `${table.name}_time`);
  }
  assert.ok(indexes.includes('process_events_type_time'));
  assert.ok(indexes.includes('process_events_pid_time'));
  assert.ok(indexes.includes('process_events_comm_time'));
  const pragma = (p: string) => Object.values(db.prepare(`PRAGMA ${p}`).get() ?? {})[0];
  assert.equal(pragma('journal_mode'), 'wal');
  assert.equal(pragma('synchronous'), 1); // NORMAL
  assert.equal(pragma('foreign_keys'), 1);
  assert.equal(pragma('busy_timeout'), 5000);
  // The parent directory is created private.
  assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
  // The type CHECK holds.
  assert.throws(() =>
    db
      .prepare(
        "INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm) VALUES (1, 1, 'open', 1, 1, 1, 1, 1, 1, 'x')",
      )
      .run(),
  );
});

test('running migrations again is a no-op', (t) => {
  const path = join(tempDir(t), 'events.db');
  openDatabase(path).close();
  const db = openDatabase(path); // second start-up
  t.after(() => db.close());
  assert.deepEqual(migrate(db), { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
});

test('a database with a newer user_version is refused, read-only and writable, with DB_SCHEMA', (t) => {
  const path = join(tempDir(t), 'events.db');
  openDatabase(path).close();
  const raw = new DatabaseSync(path);
  raw.exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  raw.close();
  for (const readOnly of [true, false]) {
    assert.throws(
      () => openDatabase(path, { readOnly }),
      (err: unknown) =>
        err instanceof StoreError &&
        err.code === 'STORE_DB_SCHEMA' &&
        err.message.includes(`schema version ${LATEST_SCHEMA_VERSION + 1}`) &&
        (!readOnly || err.message.includes(path)) &&
        err.message.includes('upgrade bpfwarden'),
    );
  }
});

test('read-only open: missing file is DB_NOT_FOUND naming the path and the agent', (t) => {
  const path = join(tempDir(t), 'nope.db');
  assert.throws(
    () => openDatabase(path, { readOnly: true }),
    (err: unknown) =>
      err instanceof StoreError &&
      err.code === 'STORE_DB_NOT_FOUND' &&
      err.message.includes(path) &&
      err.message.includes('bpfwarden agent'),
  );
});

test('read-only open: a file that is not a database is DB_OPEN with SQLite message and path', (t) => {
  const path = join(tempDir(t), 'junk.db');
  writeFileSync(path, 'this is not a sqlite database, just some text that is long enough'.repeat(20));
  assert.throws(
    () => openDatabase(path, { readOnly: true }),
    (err: unknown) =>
      err instanceof StoreError &&
      err.code === 'STORE_DB_OPEN' &&
      err.message.includes(path) &&
      /not a database/.test(err.message),
  );
});

test('read-only open: an empty SQLite file without schema is DB_SCHEMA', (t) => {
  const path = join(tempDir(t), 'empty.db');
  writeFileSync(path, ''); // SQLite treats an empty file as an empty database
  assert.throws(() => openDatabase(path, { readOnly: true }), {
    code: 'STORE_DB_SCHEMA',
    message: /no bpfwarden schema/,
  });
});

test('read-only connection can read but not write', (t) => {
  const path = join(tempDir(t), 'events.db');
  openDatabase(path).close();
  const db = openDatabase(path, { readOnly: true });
  t.after(() => db.close());
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
  assert.throws(() => db.exec("INSERT INTO meta VALUES ('k', 'v')"), /readonly/);
});

test('a failing migration rolls back and throws DB_MIGRATION naming its version', () => {
  const db = new DatabaseSync(':memory:');
  const broken: Migration[] = [
    ...MIGRATIONS,
    {
      version: LATEST_SCHEMA_VERSION + 1,
      description: 'broken',
      up: 'CREATE TABLE half_done (x); CREATE TABLE process_events (y);',
    },
  ];
  assert.throws(
    () => migrate(db, broken),
    (err: unknown) =>
      err instanceof StoreError &&
      err.code === 'STORE_DB_MIGRATION' &&
      err.message.includes(`migration ${LATEST_SCHEMA_VERSION + 1}`) &&
      err.message.includes('already exists'),
  );
  // Earlier migrations committed; the failed one left nothing behind.
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
  const tables = names(db, 'table');
  assert.ok(!tables.includes('half_done'), 'the failed migration left nothing behind');
  for (const t of ['meta', ...EVENT_TABLES.map((x) => x.name)]) assert.ok(tables.includes(t), `table ${t}`);
  assert.equal(db.isTransaction, false);
  db.close();
});

test('a later migration adding an event table extends the events view', () => {
  const db = new DatabaseSync(':memory:');
  const next = LATEST_SCHEMA_VERSION + 1;
  const withFiles: Migration[] = [
    ...MIGRATIONS,
    {
      version: next,
      description: 'file events',
      eventTables: [
        {
          name: 'later_events',
          types: [],
          ddl: '',
          view: { path: 'path', addr: 'NULL', port: 'NULL', localPort: 'NULL' },
          selectColumns: 'path',
          mappings: [],
        },
      ],
      up: `CREATE TABLE later_events (id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, type TEXT NOT NULL,
        pid INTEGER, tid INTEGER, ppid INTEGER, uid INTEGER, gid INTEGER, cgroup_id INTEGER, comm TEXT, path TEXT)`,
    },
  ];
  assert.deepEqual(migrate(db, withFiles), { from: 0, to: next });
  assert.match(eventsViewSql(next, withFiles), /FROM process_events UNION ALL SELECT .* FROM later_events$/);
  db.exec(`INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm)
           VALUES (1, 10, 'exec', 1, 1, 0, 0, 0, 1, 'a')`);
  db.exec(`INSERT INTO later_events VALUES (2, 20, 'open', 1, 1, 0, 0, 0, 1, 'a', '/etc/passwd')`);
  const rows = db.prepare('SELECT id, type FROM events ORDER BY id').all();
  assert.deepEqual(
    rows.map((r) => ({ ...r })),
    [
      { id: 1, type: 'exec' },
      { id: 2, type: 'open' },
    ],
  );
  db.close();
});

test('migration 12: an older events view gains local_port, over the same rows', (t) => {
  const db = new DatabaseSync(join(tempDir(t), 'v11.db'));
  t.after(() => db.close());
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= 11),
  );
  // The view as version 11 wrote it: no local_port.
  db.exec('DROP VIEW events');
  db.exec(
    'CREATE VIEW events AS SELECT id, time_us, type, remote_port AS port FROM net_events UNION ALL SELECT id, time_us, type, NULL FROM process_events',
  );
  db.exec(`INSERT INTO net_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, family, protocol,
    direction, local_addr, local_port, remote_addr, remote_port)
    VALUES (1, 10, 'tcp_accept', 5, 5, 1, 0, 0, 1, 'srv', 4, 'tcp', 'inbound', '127.0.0.1', 8080, '127.0.0.1', 40000)`);
  assert.throws(() => db.prepare('SELECT local_port FROM events').all(), /no such column/);
  migrate(db);
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
  assert.deepEqual(
    db
      .prepare('SELECT id, local_port, port FROM events')
      .all()
      .map((r) => ({ ...r })),
    [{ id: 1, local_port: 8080, port: 40000 }],
  );
});

test("migration 11: policy rules keep their ids and times, and source 'api' is accepted", (t) => {
  const db = new DatabaseSync(join(tempDir(t), 'v10.db'));
  t.after(() => db.close());
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= 10),
  );
  db.exec(`INSERT INTO policy_rules VALUES (7, 'egress', 'cli', '{"action":"deny"}', 11, 12)`);
  assert.throws(
    () => db.exec(`INSERT INTO policy_rules VALUES (8, 'exec', 'api', '{}', 1, 1)`),
    /CHECK constraint/,
    'before: api is refused',
  );
  migrate(db);
  assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
  db.exec(`INSERT INTO policy_rules VALUES (8, 'exec', 'api', '{}', 1, 1)`);
  assert.deepEqual(
    db
      .prepare('SELECT id, kind, source, rule_json, created_us, updated_us FROM policy_rules ORDER BY id')
      .all()
      .map((r) => ({ ...r })),
    [
      {
        id: 7,
        kind: 'egress',
        source: 'cli',
        rule_json: '{"action":"deny"}',
        created_us: 11,
        updated_us: 12,
      },
      { id: 8, kind: 'exec', source: 'api', rule_json: '{}', created_us: 1, updated_us: 1 },
    ],
  );
  assert.throws(() => db.exec(`INSERT INTO policy_rules VALUES (9, 'exec', 'web', '{}', 1, 1)`), /CHECK/);
});
