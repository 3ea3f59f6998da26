import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { countEvents, queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { execEvent, exitEvent, forkEvent, T0_US, tempDir, withoutKtime } from './fixtures.ts';

function openTemp(t: Parameters<typeof tempDir>[0]): { db: DatabaseSync; path: string } {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  t.after(() => {
    if (db.isOpen) db.close();
  });
  return { db, path };
}

test('every event type round-trips through the writer and queryEvents, field by field', (t) => {
  const { db } = openTemp(t);
  const events: BpfEvent[] = [
    execEvent(),
    execEvent({
      timeUs: T0_US + 10,
      argv: [],
      argc: 300,
      argsTruncated: true,
      filenameTruncated: true,
      oldPid: 4243,
      filename: '/x/é/😀',
      comm: 'ünïcode',
    }),
    forkEvent(),
    exitEvent(),
    exitEvent({ timeUs: T0_US + 20, exitCode: 3, signal: null, coreDumped: false, lifetimeNs: 0 }),
    // Lifetimes beyond 2^53 ns (104 days) and large cgroup ids must read back, not throw.
    exitEvent({ timeUs: T0_US + 30, exitCode: 0, signal: null, lifetimeNs: 2 ** 60, cgroupId: 2 ** 62 }),
  ];
  const writer = new EventWriter(db);
  writer.enqueue(events);
  assert.equal(writer.stats.queued, events.length);
  assert.equal(writer.flush(), events.length);
  assert.equal(writer.stats.queued, 0);
  assert.equal(writer.stats.rowsWritten, events.length);
  assert.equal(writer.stats.batches, 1);
  assert.equal(writer.stats.lastBatchRows, events.length);
  assert.ok(writer.stats.lastBatchMs >= 0);

  const stored = queryEvents(db, { limit: 100 });
  assert.equal(stored.length, events.length);
  const byTime = [...events].sort((a, b) => a.timeUs - b.timeUs);
  stored.forEach((s, i) => {
    const { id, ...rest } = s;
    assert.equal(typeof id, 'number');
    assert.deepEqual(rest, withoutKtime(byTime[i]!));
  });
  assert.equal(new Set(stored.map((s) => s.id)).size, events.length);
});

test('queue overflow is counted, not thrown, and keeps the oldest events', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db, { maxQueue: 5 });
  const batch = Array.from({ length: 4 }, (_, i) => forkEvent({ childPid: i }));
  writer.enqueue(batch);
  writer.enqueue(batch);
  assert.equal(writer.stats.queued, 5);
  assert.equal(writer.stats.queueDropped, 3);
  assert.equal(writer.flush(), 5);
  const kids = queryEvents(db, { types: ['fork'] }).map((e) => (e.type === 'fork' ? e.childPid : -1));
  assert.deepEqual(kids, [0, 1, 2, 3, 0]);
  writer.enqueue(batch);
  assert.equal(writer.stats.queueDropped, 3, 'room again after a flush');
});

test('priority events use the reserve beyond maxQueue; others are dropped at maxQueue', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db, { maxQueue: 4, priorityReserve: 3 });
  writer.enqueue(Array.from({ length: 6 }, (_, i) => forkEvent({ childPid: i })));
  assert.equal(writer.stats.queued, 4);
  assert.equal(writer.stats.queueDropped, 2, 'a flood stops at maxQueue');
  writer.enqueue([execEvent(), execEvent()], true);
  assert.equal(writer.stats.queued, 6, 'priority events still fit');
  assert.equal(writer.stats.queueDropped, 2);
  writer.enqueue([execEvent(), execEvent()], true);
  assert.equal(writer.stats.queued, 7, 'the reserve is bounded too');
  assert.equal(writer.stats.queueDropped, 3);
  writer.enqueue([forkEvent()]);
  assert.equal(writer.stats.queueDropped, 4, 'ordinary events find no room in the reserve');
});

test('flush(maxRows) writes at most maxRows, in queue order', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db);
  writer.enqueue(Array.from({ length: 10 }, (_, i) => forkEvent({ childPid: i, timeUs: T0_US + i })));
  assert.equal(writer.flush(3), 3);
  assert.equal(writer.stats.queued, 7);
  assert.equal(countEvents(db, {}), 3);
  assert.equal(writer.flush(0), 0);
  assert.equal(writer.flush(), 7);
  assert.equal(writer.stats.batches, 2);
  assert.equal(writer.flush(), 0, 'nothing queued');
});

test('a locked database is a counted write failure; the batch is retried and lands when the lock clears', (t) => {
  const { db, path } = openTemp(t);
  db.exec('PRAGMA busy_timeout = 20'); // fail fast instead of waiting 5 s
  const writer = new EventWriter(db);
  writer.enqueue([execEvent(), forkEvent()]);
  assert.equal(writer.flush(), 2);

  const other = new DatabaseSync(path);
  t.after(() => other.close());
  other.exec('BEGIN EXCLUSIVE');
  writer.enqueue([exitEvent(), execEvent({ timeUs: T0_US + 100 })]);
  assert.doesNotThrow(() => assert.equal(writer.flush(), 0));
  assert.equal(writer.stats.writeFailures, 1);
  assert.match(writer.stats.lastError ?? '', /locked|busy/i);
  assert.equal(writer.stats.queued, 2, 'batch kept for retry');
  assert.equal(db.isTransaction, false, 'rolled back');
  writer.enqueue([forkEvent({ timeUs: T0_US + 200 })]);

  other.exec('COMMIT');
  assert.equal(writer.flush(), 3);
  assert.equal(writer.stats.queued, 0);
  assert.equal(writer.stats.writeFailures, 1);
  const stored = queryEvents(db, {});
  assert.deepEqual(
    stored.map((e) => e.type),
    ['exec', 'fork', 'exit', 'exec', 'fork'],
  );
  assert.deepEqual(
    stored.map((e) => e.id),
    [1, 2, 3, 4, 5],
    'ids of the failed attempt are reused, no gaps',
  );
});

test('a dropped table is a counted failure; the batch lands after the table is back', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db);
  const ddl = (
    db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'process_events'").get() as { sql: string }
  ).sql;
  db.exec('DROP TABLE process_events');
  writer.enqueue([execEvent(), exitEvent()]);
  assert.equal(writer.flush(), 0);
  assert.equal(writer.stats.writeFailures, 1);
  assert.match(writer.stats.lastError ?? '', /no such table/);
  assert.equal(writer.stats.queued, 2);
  db.exec(ddl);
  assert.equal(writer.flush(), 2);
  assert.equal(countEvents(db, {}), 2);
});

test('a single invalid event is rejected and counted without blocking the rest', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db);
  const bad = { ...forkEvent(), comm: undefined } as unknown as BpfEvent;
  const nullComm = { ...forkEvent(), comm: null } as unknown as BpfEvent;
  writer.enqueue([execEvent(), bad, nullComm, exitEvent()]);
  assert.equal(writer.flush(), 2);
  assert.equal(writer.stats.rowsRejected, 2);
  assert.equal(writer.stats.writeFailures, 0);
  assert.equal(writer.stats.queued, 0);
  assert.match(writer.stats.lastError ?? '', /rejected/);
  assert.deepEqual(
    queryEvents(db, {}).map((e) => [e.id, e.type]),
    [
      [1, 'exec'],
      [2, 'exit'],
    ],
  );
});

test('ids are unique and continue after reopening', (t) => {
  const { db, path } = openTemp(t);
  const w1 = new EventWriter(db);
  w1.enqueue([execEvent(), forkEvent(), exitEvent()]);
  w1.flush();
  db.close();

  const db2 = openDatabase(path);
  t.after(() => db2.close());
  const w2 = new EventWriter(db2);
  w2.enqueue([execEvent({ timeUs: T0_US + 50 }), forkEvent({ timeUs: T0_US + 60 })]);
  assert.equal(w2.flush(), 2);
  const ids = queryEvents(db2, {}).map((e) => e.id);
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
});

test('an id taken by another writer is a failure that resynchronises the counter', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db);
  db.exec(`INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm)
           VALUES (1, 1, 'fork', 1, 1, 0, 0, 0, 1, 'intruder')`);
  writer.enqueue([forkEvent()]);
  assert.equal(writer.flush(), 0);
  assert.equal(writer.stats.writeFailures, 1);
  assert.equal(writer.flush(), 1);
  assert.deepEqual(
    queryEvents(db, {}).map((e) => [e.id, e.comm]),
    [
      [1, 'intruder'],
      [2, 'bash'],
    ],
  );
});

test('constructing a writer on a database without the schema is a StoreError, not a raw SQLite error', () => {
  const db = new DatabaseSync(':memory:');
  assert.throws(() => new EventWriter(db), {
    name: 'StoreError',
    code: 'STORE_DB_OPEN',
    message: /no such table/,
  });
  db.close();
});

test('runs of one type go in multi-row statements; a bad row in a run falls back to row by row', (t) => {
  const { db } = openTemp(t);
  const writer = new EventWriter(db);
  const events = Array.from({ length: 100 }, (_, i) =>
    forkEvent({
      childPid: i,
      timeUs: T0_US + i,
      ...(i === 40 ? { comm: undefined as unknown as string } : {}),
    }),
  );
  writer.enqueue(events);
  assert.equal(writer.flush(), 99);
  assert.equal(writer.stats.rowsRejected, 1);
  const kids = queryEvents(db, { types: ['fork'], limit: 1000 }).map((e) =>
    e.type === 'fork' ? e.childPid : -1,
  );
  assert.deepEqual(
    kids,
    Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 40),
  );
  const ids = queryEvents(db, { types: ['fork'], limit: 1000 }).map((e) => e.id);
  assert.equal(new Set(ids).size, 99, 'ids are unique');
});
