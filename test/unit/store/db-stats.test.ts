import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DropEvent } from '../../../src/families/drop/events.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { dbStats } from '../../../src/store/db-stats.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { LATEST_SCHEMA_VERSION } from '../../../src/store/migrations.ts';
import { usedBytes } from '../../../src/store/retention.ts';
import { EVENT_TABLES, tableFor } from '../../../src/store/tables/index.ts';
import {
  execEvent,
  exitEvent,
  dropEvent as fixtureDropEvent,
  forkEvent,
  T0_US,
  tempDir,
} from './fixtures.ts';

function dropEvent(timeUs: number): DropEvent {
  return fixtureDropEvent({
    timeUs,
    ifindex: 1,
    ifname: 'lo',
    l4Proto: 17,
    saddr: '127.0.0.1',
    daddr: '127.0.0.1',
    sport: 5353,
    dport: 9,
  });
}

test('a new database: every event table with no rows, the latest schema, a file on disk', (t) => {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  const s = dbStats(db, path);
  assert.equal(s.path, path);
  assert.equal(s.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.ok(s.schemaVersion >= 1);
  assert.deepEqual(
    s.tables,
    EVENT_TABLES.map((x) => ({ name: x.name, rows: 0, oldestUs: null, newestUs: null })),
  );
  assert.ok(s.fileBytes > 0, `fileBytes ${s.fileBytes}`);
  assert.equal(s.fileBytes, statSync(path).size);
  assert.ok(s.usedBytes > 0);
  assert.equal(s.usedBytes, usedBytes(db));
});

test('rows, oldest and newest per table after writes; the WAL is measured too', (t) => {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  const events: BpfEvent[] = [
    execEvent({ timeUs: T0_US + 500 }),
    forkEvent({ timeUs: T0_US + 100 }),
    exitEvent({ timeUs: T0_US + 900 }),
    dropEvent(T0_US + 50),
    dropEvent(T0_US + 2000),
  ];
  const before = dbStats(db, path).usedBytes;
  const w = new EventWriter(db);
  w.enqueue(events);
  assert.equal(w.flush(), events.length);

  const s = dbStats(db, path);
  const expected = new Map<string, number[]>();
  for (const e of events) {
    const name = tableFor(e.type)?.table.name;
    assert.ok(name, e.type);
    expected.set(name, [...(expected.get(name) ?? []), e.timeUs]);
  }
  assert.equal(s.tables.length, EVENT_TABLES.length);
  for (const table of s.tables) {
    const times = expected.get(table.name) ?? [];
    assert.deepEqual(
      table,
      {
        name: table.name,
        rows: times.length,
        oldestUs: times.length ? Math.min(...times) : null,
        newestUs: times.length ? Math.max(...times) : null,
      },
      table.name,
    );
  }
  assert.deepEqual(
    s.tables.find((x) => x.name === 'process_events'),
    { name: 'process_events', rows: 3, oldestUs: T0_US + 100, newestUs: T0_US + 900 },
  );
  assert.ok(s.walBytes > 0, 'writes sit in the WAL until a checkpoint');
  assert.ok(s.usedBytes >= before);
  assert.ok(s.fileBytes > 0);
});

test('read-only and in-memory databases; a missing path counts as 0 bytes', (t) => {
  const path = join(tempDir(t), 'events.db');
  const w = openDatabase(path);
  const writer = new EventWriter(w);
  writer.enqueue([execEvent()]);
  writer.flush();
  w.close();
  const ro = openDatabase(path, { readOnly: true });
  t.after(() => ro.close());
  const s = dbStats(ro, path);
  assert.equal(s.tables.find((x) => x.name === 'process_events')?.rows, 1);
  assert.equal(s.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.ok(s.fileBytes > 0);

  const mem = openDatabase(':memory:');
  t.after(() => mem.close());
  const m = dbStats(mem, ':memory:');
  assert.equal(m.fileBytes, 0);
  assert.equal(m.walBytes, 0);
  assert.equal(m.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.ok(m.tables.every((x) => x.rows === 0));
});
