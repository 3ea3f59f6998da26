/**
 * Live feeds over a real database written by the store's own code: the
 * event writer and the alert store commit, the feeds tail.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { AlertFeed, EventFeed, FeedError } from '../../../src/api/feed/index.ts';
import type { AlertDraft, Severity } from '../../../src/domain/rules/rule.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents, type StoredEvent } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { eventually } from '../../support/spawn.ts';
import { execEvent, exitEvent, forkEvent, T0_US, tempDir } from '../store/fixtures.ts';

interface Store {
  readonly path: string;
  readonly db: DatabaseSync;
  write(events: BpfEvent[]): void;
}

function store(t: Parameters<typeof tempDir>[0]): Store {
  const path = join(tempDir(t), 'bw.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  t.after(() => db.close());
  return {
    path,
    db,
    write(events) {
      writer.enqueue(events);
      writer.flush();
    },
  };
}

/** Collects what a subscription delivers, and how it ended. */
function collector<R>(): {
  rows: R[];
  ended: string[];
  deliver: (rows: readonly R[]) => void;
  end: (r: string) => void;
} {
  const c = {
    rows: [] as R[],
    ended: [] as string[],
    deliver: (rows: readonly R[]) => {
      c.rows.push(...rows);
    },
    end: (r: string) => {
      c.ended.push(r);
    },
  };
  return c;
}

let seq = 0;
const execs = (n: number, over: Partial<Parameters<typeof execEvent>[0]> = {}): BpfEvent[] =>
  Array.from({ length: n }, () => execEvent({ timeUs: T0_US + seq++, ...over }));

test('a subscriber sees events committed after it subscribed, as queries return them', async (t) => {
  const s = store(t);
  s.write(execs(3));
  const feed = new EventFeed({ database: s.path, pollMs: 20 });
  t.after(() => feed.close());
  const c = collector<StoredEvent>();
  const unsubscribe = feed.subscribe({}, c);
  s.write([...execs(2), forkEvent({ timeUs: T0_US + seq++ }), exitEvent({ timeUs: T0_US + seq++ })]);
  await eventually('4 events', () => (c.rows.length >= 4 ? true : undefined));
  const expected = queryEvents(s.db, { limit: 4 });
  assert.deepEqual(c.rows, expected, 'same objects as the query API, in id order');
  assert.deepEqual(
    c.rows.map((e) => e.type),
    ['exec', 'exec', 'fork', 'exit'],
  );
  unsubscribe();
  assert.equal(feed.polling, false, 'polling stops with the last subscriber');
});

test('subscribers with different filters share one poller and get only their rows', async (t) => {
  const s = store(t);
  const feed = new EventFeed({ database: s.path, pollMs: 50 });
  t.after(() => feed.close());
  const all = collector<StoredEvent>();
  const exitsOnly = collector<StoredEvent>();
  const pid77 = collector<StoredEvent>();
  const commUid = collector<StoredEvent>();
  feed.subscribe({}, all);
  feed.subscribe({ types: ['exit'] }, exitsOnly);
  feed.subscribe({ pid: 77 }, pid77);
  feed.subscribe({ comm: 'zsh', uid: 5 }, commUid);
  assert.equal(feed.subscribers, 4);
  const started = Date.now();
  const pollsBefore = feed.polls;
  s.write([
    execEvent({ timeUs: T0_US + seq++, pid: 77 }),
    exitEvent({ timeUs: T0_US + seq++, pid: 77 }),
    exitEvent({ timeUs: T0_US + seq++, pid: 78, comm: 'zsh', uid: 5 }),
    forkEvent({ timeUs: T0_US + seq++, pid: 79, comm: 'zsh', uid: 6 }),
  ]);
  await eventually('all four', () => (all.rows.length === 4 ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    exitsOnly.rows.map((e) => e.pid),
    [77, 78],
  );
  assert.deepEqual(
    pid77.rows.map((e) => e.type),
    ['exec', 'exit'],
  );
  assert.deepEqual(
    commUid.rows.map((e) => [e.type, e.pid]),
    [['exit', 78]],
  );
  // One poller: about elapsed / pollMs polls, not that times the subscribers.
  const polls = feed.polls - pollsBefore;
  const periods = (Date.now() - started) / 50;
  assert.ok(polls <= periods + 2, `${polls} polls in ${periods.toFixed(1)} periods`);
});

test('a subscriber resumes after an id: its backlog first, then live rows, none twice', async (t) => {
  const s = store(t);
  s.write(execs(10));
  const ids = queryEvents(s.db, { limit: 10 }).map((e) => e.id);
  const feed = new EventFeed({ database: s.path, pollMs: 20, pageSize: 3 });
  t.after(() => feed.close());
  const live = collector<StoredEvent>();
  feed.subscribe({}, live);
  const resumed = collector<StoredEvent>();
  feed.subscribe({}, resumed, ids[3]);
  s.write(execs(2));
  await eventually('backlog and live rows', () => (resumed.rows.length >= 8 ? true : undefined));
  await new Promise((r) => setTimeout(r, 100));
  const got = resumed.rows.map((e) => e.id);
  assert.equal(got.length, 8, 'six from the backlog, two live');
  assert.deepEqual(got.slice(0, 6), ids.slice(4));
  assert.deepEqual(
    got,
    [...got].sort((a, b) => a - b),
  );
  assert.equal(new Set(got).size, got.length);
  assert.deepEqual(
    live.rows.map((e) => e.id),
    got.slice(6),
  );
});

test('a consumer that stops taking rows is ended as lagged; others are not held up', async (t) => {
  const s = store(t);
  const feed = new EventFeed({ database: s.path, pollMs: 20, queueLimit: 5 });
  t.after(() => feed.close());
  const slow = collector<StoredEvent>();
  let calls = 0;
  feed.subscribe(
    {},
    {
      deliver: (rows) => {
        calls++;
        slow.deliver(rows);
        return false; // full, and never resumes
      },
      end: slow.end,
    },
  );
  const fast = collector<StoredEvent>();
  feed.subscribe({}, fast);
  for (let i = 0; i < 4; i++) {
    s.write(execs(3));
    await new Promise((r) => setTimeout(r, 40));
  }
  await eventually('fast got all', () => (fast.rows.length === 12 ? true : undefined));
  await eventually('slow ended', () => (slow.ended.length ? true : undefined));
  assert.deepEqual(slow.ended, ['lagged']);
  assert.equal(calls, 1, 'nothing is delivered to a paused consumer');
  assert.equal(feed.subscribers, 1);
  assert.deepEqual(fast.ended, []);
});

test('a paused consumer that resumes gets what was held, in order, and keeps going', async (t) => {
  const s = store(t);
  const feed = new EventFeed({ database: s.path, pollMs: 20, queueLimit: 100 });
  t.after(() => feed.close());
  const got: number[] = [];
  let full = true;
  const sub = feed.subscribe(
    {},
    {
      deliver: (rows) => {
        for (const r of rows) got.push(r.id);
        return !full;
      },
      end: () => assert.fail('must not end'),
    },
  );
  s.write(execs(2));
  await eventually('first batch', () => (got.length > 0 ? true : undefined));
  s.write(execs(3));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got.length, 2, 'held while paused');
  full = false;
  sub.resume();
  assert.equal(got.length, 5);
  s.write(execs(1));
  await eventually('live again', () => (got.length === 6 ? true : undefined));
  assert.deepEqual(
    got,
    [...got].sort((a, b) => a - b),
  );
});

test('close ends every subscriber; filters and ids are checked with the field named', (t) => {
  const s = store(t);
  const feed = new EventFeed({ database: s.path });
  const c = collector<StoredEvent>();
  feed.subscribe({ types: ['exec'] }, c);
  feed.close();
  assert.deepEqual(c.ended, ['closed']);
  assert.equal(feed.polling, false);
  assert.throws(() => feed.subscribe({}, c), { code: 'FEED_CLOSED' });

  const f2 = new EventFeed({ database: s.path });
  t.after(() => f2.close());
  const bad = (
    filter: Parameters<EventFeed['subscribe']>[0],
    after: number | undefined,
    field: string,
  ): void =>
    assert.throws(
      () => f2.subscribe(filter, c, after),
      (e: unknown) => e instanceof FeedError && e.code === 'FEED_BAD_FILTER' && e.field === field,
      field,
    );
  bad({ types: ['exec', 'teleport'] }, undefined, 'types');
  bad({ pid: -1 }, undefined, 'pid');
  bad({ uid: 1.5 }, undefined, 'uid');
  bad({ comm: 'a-very-long-command-name' }, undefined, 'comm');
  bad({}, -3, 'after');
  assert.equal(f2.subscribers, 0, 'a refused filter leaves no subscriber behind');

  const missing = new EventFeed({ database: join(s.path, '..', 'nope.db') });
  assert.throws(() => missing.subscribe({}, c), { code: 'FEED_DB_UNAVAILABLE' });
});

function draft(ruleId: string, severity: Severity, n: number): AlertDraft {
  return {
    timeUs: T0_US + n,
    ruleId,
    severity,
    title: `${ruleId} #${n}`,
    details: { n },
    eventIds: [n],
    eventTypes: ['exec'],
    dedupeKey: `${ruleId}:${n}`,
    tags: ['T1059'],
  };
}

test('alert feed: minimum severity and rule filters over alerts the alert store inserted', async (t) => {
  const s = store(t);
  const feed = new AlertFeed({ database: s.path, pollMs: 20 });
  t.after(() => feed.close());
  const high = collector<Record<string, unknown>>();
  const ruleB = collector<Record<string, unknown>>();
  const all = collector<Record<string, unknown>>();
  feed.subscribe({ minSeverity: 'high' }, high);
  feed.subscribe({ ruleId: 'rule-b' }, ruleB);
  feed.subscribe({}, all);
  const drafts = [
    draft('rule-a', 'low', 1),
    draft('rule-a', 'critical', 2),
    draft('rule-b', 'medium', 3),
    draft('rule-b', 'high', 4),
  ].map((d) => ({ draft: d, sinks: ['log'], throttleMs: 0 }));
  s.db.exec('BEGIN');
  insertAlerts(s.db, drafts, T0_US);
  s.db.exec('COMMIT');
  await eventually('all alerts', () => (all.rows.length === 4 ? true : undefined));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(
    high.rows.map((a) => a.title),
    ['rule-a #2', 'rule-b #4'],
  );
  assert.deepEqual(
    ruleB.rows.map((a) => a.severity),
    ['medium', 'high'],
  );
  assert.deepEqual(all.rows[0]?.details, { n: 1 });
  assert.throws(() => feed.subscribe({ minSeverity: 'urgent' }, all), {
    code: 'FEED_BAD_FILTER',
    field: 'minSeverity',
  });
});
