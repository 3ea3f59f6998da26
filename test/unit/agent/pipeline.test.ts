import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pipeline } from '../../../src/agent/ingest/pipeline.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { countEvents, queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { execEvent, forkEvent, T0_US, tempDir } from '../store/fixtures.ts';

function setup(t: Parameters<typeof tempDir>[0]): { db: DatabaseSync; path: string; writer: EventWriter } {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  // A lock held elsewhere fails a write at once instead of after the 5 s busy timeout.
  db.exec('PRAGMA busy_timeout = 0');
  return { db, path, writer: new EventWriter(db) };
}

function events(n: number, from = 0): BpfEvent[] {
  return Array.from({ length: n }, (_, i) => forkEvent({ timeUs: T0_US + from + i, childPid: from + i }));
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`condition not met within ${ms} ms`);
    await sleep(5);
  }
}

/** Holds the write lock from a second connection while f runs. */
function withLock<T>(path: string, f: () => T): T {
  const other = openDatabase(path);
  try {
    other.exec('BEGIN IMMEDIATE');
    try {
      return f();
    } finally {
      other.exec('ROLLBACK');
    }
  } finally {
    other.close();
  }
}

async function withLockAsync(path: string, f: () => Promise<void>): Promise<void> {
  const other = openDatabase(path);
  try {
    other.exec('BEGIN IMMEDIATE');
    try {
      await f();
    } finally {
      other.exec('ROLLBACK');
    }
  } finally {
    other.close();
  }
}

test('the timer flushes what the sink received, without waiting for a full batch', async (t) => {
  const { db, writer } = setup(t);
  const p = new Pipeline(writer, { flushIntervalMs: 20, flushAt: 1000 });
  t.after(() => p.stop());
  p.start();
  p.sink(events(3));
  assert.equal(countEvents(db), 0, 'queued, not written synchronously');
  assert.equal(p.received, 3);
  await until(() => countEvents(db) === 3);
  p.sink([execEvent({ timeUs: T0_US + 100 })]);
  await until(() => countEvents(db) === 4);
  assert.equal(p.received, 4);
  assert.equal(writer.stats.queued, 0);
  assert.equal(writer.stats.rowsWritten, 4);
});

test('reaching flushAt flushes on the next turn of the event loop, once', async (t) => {
  const { db, writer } = setup(t);
  // A timer that never fires during the test: only flushAt can write.
  const p = new Pipeline(writer, { flushIntervalMs: 60_000, flushAt: 10 });
  t.after(() => p.stop());
  p.start();
  p.sink(events(9));
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(countEvents(db), 0, 'below flushAt: waits for the timer');
  p.sink(events(1, 9));
  p.sink(events(5, 10)); // arrives before the scheduled flush runs
  assert.equal(countEvents(db), 0);
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(countEvents(db), 15);
  assert.equal(writer.stats.batches, 1, 'one flush for everything queued');
});

test('a flush writes in transactions of at most maxBatch rows', (t) => {
  const { db, writer } = setup(t);
  const p = new Pipeline(writer, { flushIntervalMs: 60_000, maxBatch: 10 });
  p.sink(events(25));
  assert.equal(p.flush(), 25);
  assert.equal(writer.stats.batches, 3);
  assert.equal(writer.stats.lastBatchRows, 5);
  assert.equal(countEvents(db), 25);
  assert.equal(p.flush(), 0, 'nothing queued');
});

test('stop() writes everything still queued and stops the timer', async (t) => {
  const { db, writer } = setup(t);
  const p = new Pipeline(writer, { flushIntervalMs: 20, flushAt: 1_000_000, maxBatch: 7 });
  p.start();
  p.sink(events(20));
  p.sink([execEvent({ timeUs: T0_US + 50, filename: '/bin/last' })]);
  assert.equal(countEvents(db), 0);
  p.stop();
  assert.equal(countEvents(db), 21);
  const last = queryEvents(db, { limit: 1 })[0];
  assert.equal(last?.type === 'exec' && last.filename, '/bin/last');
  p.stop(); // idempotent
  assert.equal(writer.stats.rowsWritten, 21);
  // The timer is gone: later events wait for an explicit flush.
  p.sink(events(1, 100));
  await sleep(100);
  assert.equal(countEvents(db), 21);
  assert.equal(writer.stats.queued, 1);
});

test('stop() retries a transient write failure so the tail is not lost', (t) => {
  const { db, path } = setup(t);
  const errors: string[] = [];
  // A real writer whose first two flushes meet a lock held by another connection.
  let failing = 2;
  class FlakyWriter extends EventWriter {
    override flush(maxRows?: number): number {
      if (failing-- > 0) return withLock(path, () => super.flush(maxRows));
      return super.flush(maxRows);
    }
  }
  const writer = new FlakyWriter(db);
  const p = new Pipeline(writer, { flushIntervalMs: 60_000, onWriteError: (m) => errors.push(m) });
  p.sink(events(12));
  p.stop();
  assert.equal(countEvents(db), 12);
  assert.equal(writer.stats.writeFailures, 2);
  assert.equal(errors.length, 1, 'a failing store is reported once, not per retry');
  assert.match(errors[0] ?? '', /locked|busy/i);
  assert.equal(writer.stats.unwritten, 0);
});

test('a write failure is reported once per new failure, and the batch is kept for later', (t) => {
  const { db, path, writer } = setup(t);
  const errors: string[] = [];
  const recovered: number[] = [];
  const p = new Pipeline(writer, {
    flushIntervalMs: 60_000,
    maxBatch: 5,
    onWriteError: (m) => errors.push(m),
    onRecovered: (n) => recovered.push(n),
  });
  p.sink(events(12));
  withLock(path, () => {
    // The first batch fails: the flush stops there (no retry loop, one report).
    assert.equal(p.flush(), 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /database is locked/);
    assert.equal(writer.stats.writeFailures, 1);
    assert.equal(p.flush(), 0);
    assert.equal(errors.length, 1, 'a retry that fails again within the interval is not reported again');
  });
  assert.equal(writer.stats.queued, 12, 'nothing lost');
  assert.equal(p.flush(), 12);
  assert.deepEqual(recovered, [2], 'the recovery is reported with the failures it ended');
  assert.equal(errors.length, 1, 'a successful flush reports no failure');
  assert.equal(p.flush(), 0);
  assert.equal(errors.length, 1, 'old failures are not reported again');
  p.sink(events(1, 50));
  withLock(path, () => assert.equal(p.flush(), 0));
  assert.equal(errors.length, 2, 'a failure after a recovery is news');
  assert.equal(countEvents(db), 12);
});

test('a store that keeps failing is reported at most once per interval, with the count since', async (t) => {
  const { path, writer } = setup(t);
  const errors: string[] = [];
  const p = new Pipeline(writer, {
    flushIntervalMs: 60_000,
    failureLogMs: 50,
    onWriteError: (m) => errors.push(m),
  });
  p.sink(events(3));
  await withLockAsync(path, async () => {
    for (let i = 0; i < 20; i++) p.flush();
    assert.equal(errors.length, 1);
    await sleep(60);
    p.flush();
  });
  assert.equal(errors.length, 2);
  assert.match(errors[1] ?? '', /\(19 more failed writes since the last report\)/);
});

test('stop() counts and reports what it could not write', (t) => {
  const { path, writer } = setup(t);
  const lost: [number, string][] = [];
  const p = new Pipeline(writer, { flushIntervalMs: 60_000, onUnwritten: (n, why) => lost.push([n, why]) });
  p.sink(events(7));
  withLock(path, () => assert.equal(p.stop(), 7));
  assert.equal(writer.stats.unwritten, 7);
  assert.equal(writer.stats.queued, 0);
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.[0], 7);
  assert.match(lost[0]?.[1] ?? '', /locked/);
});

test('a failure on a timer flush reaches onWriteError too', async (t) => {
  const { db, path, writer } = setup(t);
  const errors: string[] = [];
  const p = new Pipeline(writer, { flushIntervalMs: 10, onWriteError: (m) => errors.push(m) });
  t.after(() => p.stop());
  const other = openDatabase(path);
  other.exec('BEGIN IMMEDIATE');
  p.start();
  p.sink(events(3));
  try {
    await until(() => errors.length >= 1);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  await until(() => countEvents(db) === 3);
  assert.match(errors[0] ?? '', /locked/);
});
