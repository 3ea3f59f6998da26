import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { DropEvent } from '../../../src/families/drop/events.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { countEvents, queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { Retention, usedBytes } from '../../../src/store/retention.ts';
import { execEvent, dropEvent as fixtureDropEvent, forkEvent, T0_US, tempDir } from './fixtures.ts';

const S = 1_000_000; // one second in µs

function dropEvent(over: Partial<DropEvent> = {}): DropEvent {
  return fixtureDropEvent({
    ifindex: 1,
    ifname: 'lo',
    saddr: '127.0.0.1',
    daddr: '127.0.0.1',
    dport: 9,
    ...over,
  });
}

function open(t: Parameters<typeof tempDir>[0]): { db: DatabaseSync; path: string } {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  t.after(() => {
    if (db.isOpen) db.close();
  });
  return { db, path };
}

function write(db: DatabaseSync, events: readonly BpfEvent[]): void {
  const w = new EventWriter(db);
  w.enqueue(events);
  assert.equal(w.flush(), events.length);
}

function pragma(db: DatabaseSync, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0]);
}

/** Steps until step() returns false; the sequence of results. */
function runToEnd(r: Retention, nowUs: number, max = 10_000): boolean[] {
  const results: boolean[] = [];
  for (let i = 0; i < max; i++) {
    const more = r.step(nowUs);
    results.push(more);
    if (!more) return results;
  }
  assert.fail(`retention did not finish within ${max} steps`);
}

test('age: rows older than maxAge go, chunk by chunk and across tables; newer rows stay', (t) => {
  const { db } = open(t);
  // 25 old process events (t = 0..24 s), 12 old drop events (t = 0.5..11.5 s),
  // one event exactly at the cutoff (kept: only strictly older rows go), 10 newer.
  const old: BpfEvent[] = [
    ...Array.from({ length: 25 }, (_, i) => execEvent({ timeUs: T0_US + i * S })),
    ...Array.from({ length: 12 }, (_, i) => dropEvent({ timeUs: T0_US + i * S + S / 2 })),
  ];
  const cutoff = T0_US + 25 * S;
  const kept: BpfEvent[] = [
    forkEvent({ timeUs: cutoff }),
    ...Array.from({ length: 5 }, (_, i) => execEvent({ timeUs: cutoff + (i + 1) * S })),
    ...Array.from({ length: 5 }, (_, i) => dropEvent({ timeUs: cutoff + (i + 1) * S + 1 })),
  ];
  write(db, [...old, ...kept]);

  const r = new Retention(db, { maxAgeSeconds: 100, chunkRows: 10 });
  const now = cutoff + 100 * S;
  // Per step at most 10 rows per table: 10+10, 10+2, 5+0, then nothing left.
  assert.equal(r.step(now), true);
  assert.equal(r.stats.deletedByAge, 20);
  assert.equal(countEvents(db), old.length + kept.length - 20);
  assert.equal(r.step(now), true);
  assert.equal(r.stats.deletedByAge, 32);
  assert.equal(r.step(now), true);
  assert.equal(r.stats.deletedByAge, 37);
  assert.equal(r.step(now), false, 'nothing older than maxAge remains');
  assert.equal(r.step(now), false);
  assert.deepEqual(r.stats, {
    deletedByAge: 37,
    deletedBySize: 0,
    steps: 5,
    failures: 0,
    lastError: undefined,
  });
  assert.deepEqual(
    queryEvents(db, { limit: 1000 }).map((e) => e.timeUs),
    kept.map((e) => e.timeUs).sort((a, b) => a - b),
  );
});

test('age: nothing old enough means no work, and no maxAge never deletes by age', (t) => {
  const { db } = open(t);
  write(
    db,
    Array.from({ length: 20 }, (_, i) => execEvent({ timeUs: T0_US + i * S })),
  );
  const young = new Retention(db, { maxAgeSeconds: 3600, chunkRows: 5 });
  assert.equal(young.step(T0_US + 60 * S), false);
  const none = new Retention(db, { chunkRows: 5 });
  assert.equal(none.step(T0_US + 1e6 * S), false);
  assert.equal(countEvents(db), 20);
  assert.equal(young.stats.deletedByAge + none.stats.deletedByAge, 0);
});

test('size: the oldest rows of every table go until the live data fits maxBytes', (t) => {
  const { db } = open(t);
  assert.equal(pragma(db, 'auto_vacuum'), 2, 'a new database uses incremental auto-vacuum');
  const N = 3000;
  const pad = 'x'.repeat(300);
  // Alternate tables so the oldest rows overall are spread over both.
  const events: BpfEvent[] = Array.from({ length: N }, (_, i) =>
    i % 2 === 0
      ? execEvent({ timeUs: T0_US + i * S, argv: ['sh', '-c', `${pad}${i}`], argc: 3 })
      : dropEvent({ timeUs: T0_US + i * S, ifname: `veth${i}` }),
  );
  write(db, events);
  const before = usedBytes(db);
  const fileBefore = pragma(db, 'page_count') * pragma(db, 'page_size');
  assert.ok(before > 1_000_000, `expected over 1 MB of data, got ${before}`);
  const maxBytes = Math.floor(before / 2);

  const r = new Retention(db, { maxBytes, chunkRows: 200 });
  const steps = runToEnd(r, T0_US + N * S);
  assert.ok(steps.length > 2, 'several chunks, not one big delete');
  assert.ok(usedBytes(db) <= maxBytes, `used ${usedBytes(db)} > max ${maxBytes}`);
  assert.equal(r.stats.failures, 0, r.stats.lastError);
  assert.equal(r.stats.deletedByAge, 0);

  const left = queryEvents(db, { limit: N });
  assert.equal(left.length, N - r.stats.deletedBySize);
  assert.ok(left.length >= N * 0.3, `kept only ${left.length} of ${N}: deleted far more than needed`);
  assert.ok(left.length < N);
  // Exactly the newest rows survive, from both tables.
  assert.deepEqual(
    left.map((e) => e.timeUs),
    events.slice(N - left.length).map((e) => e.timeUs),
  );
  assert.ok(left.some((e) => e.type === 'exec') && left.some((e) => e.type === 'drop'));
  // Freed pages went back to the file system.
  assert.equal(pragma(db, 'freelist_count'), 0);
  assert.ok(pragma(db, 'page_count') * pragma(db, 'page_size') < fileBefore);
  assert.equal(r.step(T0_US + N * S), false, 'within policy: no more work');
});

test('size: a limit below the empty schema deletes everything once, then stops', (t) => {
  const { db } = open(t);
  write(
    db,
    Array.from({ length: 50 }, (_, i) => execEvent({ timeUs: T0_US + i })),
  );
  const r = new Retention(db, { maxBytes: 1, chunkRows: 20 });
  const steps = runToEnd(r, T0_US);
  assert.deepEqual(steps, [true, true, true, false]);
  assert.equal(r.stats.deletedBySize, 50);
  assert.equal(countEvents(db), 0);
});

test('a locked database is a counted failure, not a throw; the next step catches up', (t) => {
  const { db, path } = open(t);
  write(
    db,
    Array.from({ length: 10 }, (_, i) => execEvent({ timeUs: T0_US + i * S })),
  );
  db.exec('PRAGMA busy_timeout = 0'); // fail at once instead of waiting 5 s
  const other = openDatabase(path);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const r = new Retention(db, { maxAgeSeconds: 1, chunkRows: 100 });
  const now = T0_US + 100 * S;
  assert.equal(r.step(now), false);
  assert.equal(r.stats.failures, 1);
  assert.match(r.stats.lastError ?? '', /locked|busy/i);
  assert.equal(countEvents(db), 10);
  other.exec('COMMIT');
  assert.equal(r.step(now), true);
  assert.equal(r.stats.deletedByAge, 10);
  assert.equal(r.step(now), false);
  assert.equal(r.stats.failures, 1);
});

test('a closed database is a counted failure, not a throw', (t) => {
  const { db } = open(t);
  const r = new Retention(db, { maxAgeSeconds: 1, maxBytes: 1 });
  db.close();
  assert.equal(r.step(T0_US), false);
  assert.equal(r.step(T0_US), false);
  assert.equal(r.stats.failures, 2);
  assert.equal(r.stats.steps, 2);
  assert.match(r.stats.lastError ?? '', /not open/i);
});
