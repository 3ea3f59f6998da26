import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { countEvents, type EventFilter, queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { execEvent, exitEvent, forkEvent, T0_US, tempDir } from './fixtures.ts';

// 30 events, one per second: types cycle exec/fork/exit, pids 1000..1002,
// comms a/b, uids 0 and 1000.
function sample(): BpfEvent[] {
  return Array.from({ length: 30 }, (_, i) => {
    const common = {
      timeUs: T0_US + i * 1_000_000,
      pid: 1000 + (i % 3 === 0 ? 0 : i % 2 === 0 ? 1 : 2),
      comm: i % 2 === 0 ? 'a' : 'b',
      uid: i < 15 ? 0 : 1000,
    };
    const kind = i % 3;
    if (kind === 0) return execEvent(common);
    if (kind === 1) return forkEvent({ ...common, childPid: i });
    return exitEvent(common);
  });
}

function setup(t: Parameters<typeof tempDir>[0]): { db: DatabaseSync; events: BpfEvent[] } {
  const db = openDatabase(join(tempDir(t), 'events.db'));
  t.after(() => db.close());
  const events = sample();
  // Enqueue out of time order: results must still come back ordered by time.
  const writer = new EventWriter(db);
  writer.enqueue([...events].reverse());
  writer.flush();
  return { db, events };
}

function check(
  db: DatabaseSync,
  events: BpfEvent[],
  filter: EventFilter,
  keep: (e: BpfEvent) => boolean,
): void {
  const expected = events.filter(keep).map((e) => e.timeUs);
  assert.ok(expected.length > 0 && expected.length < events.length, 'the filter must narrow, not empty');
  const got = queryEvents(db, { ...filter, limit: 1000 });
  assert.deepEqual(
    got.map((e) => e.timeUs),
    expected,
    JSON.stringify(filter),
  );
  assert.equal(countEvents(db, filter), expected.length);
}

test('each filter narrows to exactly the matching events', (t) => {
  const { db, events } = setup(t);
  check(db, events, { types: ['exec'] }, (e) => e.type === 'exec');
  check(db, events, { types: ['fork', 'exit'] }, (e) => e.type !== 'exec');
  check(db, events, { pid: 1001 }, (e) => e.pid === 1001);
  check(db, events, { comm: 'b' }, (e) => e.comm === 'b');
  check(db, events, { uid: 1000 }, (e) => e.uid === 1000);
  check(db, events, { sinceUs: T0_US + 20_000_000 }, (e) => e.timeUs >= T0_US + 20_000_000);
  check(db, events, { untilUs: T0_US + 5_000_000 }, (e) => e.timeUs <= T0_US + 5_000_000);
  check(
    db,
    events,
    { types: ['exec'], uid: 0, sinceUs: T0_US + 3_000_000, untilUs: T0_US + 12_000_000 },
    (e) =>
      e.type === 'exec' && e.uid === 0 && e.timeUs >= T0_US + 3_000_000 && e.timeUs <= T0_US + 12_000_000,
  );
  assert.deepEqual(queryEvents(db, { types: [] }), []);
  assert.deepEqual(queryEvents(db, { comm: "a' OR '1'='1" }), [], 'values are bound, not spliced');
  assert.equal(countEvents(db, {}), events.length);
});

test('limit returns the newest rows, oldest first', (t) => {
  const { db, events } = setup(t);
  const got = queryEvents(db, { limit: 4 });
  assert.deepEqual(
    got.map((e) => e.timeUs),
    events.slice(-4).map((e) => e.timeUs),
  );
  assert.equal(queryEvents(db).length, 30, 'default limit 100 covers all 30');
  const execs = queryEvents(db, { types: ['exec'], limit: 2 });
  assert.deepEqual(
    execs.map((e) => e.timeUs),
    [T0_US + 24_000_000, T0_US + 27_000_000],
  );
});

test('bad limits and non-integer numbers are refused with STORE_BAD_FILTER', (t) => {
  const { db } = setup(t);
  for (const limit of [0, -1, 1.5, 100_001]) {
    assert.throws(() => queryEvents(db, { limit }), { code: 'STORE_BAD_FILTER', message: /limit/ });
  }
  assert.equal(queryEvents(db, { limit: 100_000 }).length, 30);
  assert.throws(() => queryEvents(db, { pid: Number.NaN }), { code: 'STORE_BAD_FILTER', message: /pid/ });
});

test('a query against a broken database is DB_QUERY, not a raw SQLite error', (t) => {
  const { db } = setup(t);
  db.exec('DROP TABLE process_events');
  assert.throws(() => queryEvents(db, {}), { code: 'STORE_DB_QUERY', message: /no such table/ });
  assert.throws(() => countEvents(db, {}), { code: 'STORE_DB_QUERY' });
});
