import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { countEvents, type EventFilter, queryEvents } from '../../../src/store/event-query.ts';
import { summarizeEvents } from '../../../src/store/event-summary.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import {
  execEvent,
  exitEvent,
  dropEvent as fixtureDropEvent,
  forkEvent,
  T0_US,
  tempDir,
} from './fixtures.ts';

const S = 1_000_000;
const at = (s: number): number => T0_US + s * S;

/** A packet drop: the family whose rows carry an address and port in the `events` view. */
const dropEvent = fixtureDropEvent;

function openWith(t: Parameters<typeof tempDir>[0], events: readonly BpfEvent[]): DatabaseSync {
  const db = openDatabase(join(tempDir(t), 'events.db'));
  t.after(() => db.close());
  const w = new EventWriter(db);
  // Out of time order: grouping and ordering must not depend on insert order.
  w.enqueue([...events].reverse());
  assert.equal(w.flush(), events.length);
  return db;
}

// Ten events over ten seconds; the expected summaries below are worked out by hand.
const SAMPLE: BpfEvent[] = [
  execEvent({ timeUs: at(0), pid: 300, uid: 1000, comm: 'curl' }),
  forkEvent({ timeUs: at(1), pid: 200, uid: 0, comm: 'bash' }),
  dropEvent({ timeUs: at(2), pid: 300, uid: 1000, comm: 'curl', daddr: '10.0.0.5', dport: 443 }),
  dropEvent({ timeUs: at(3), pid: 300, uid: 1000, comm: 'curl', daddr: '10.0.0.5', dport: 443 }),
  execEvent({ timeUs: at(4), pid: 301, uid: 1000, comm: 'curl' }),
  dropEvent({ timeUs: at(5), pid: 301, uid: 1000, comm: 'curl', daddr: '10.0.0.5', dport: 80 }),
  dropEvent({
    timeUs: at(6),
    pid: 400,
    uid: 33,
    comm: 'wget',
    ipVersion: 6,
    saddr: '2001:db8::2',
    daddr: '2001:db8::1',
    dport: 443,
  }),
  // Not IP: no address, so no destination.
  dropEvent({
    timeUs: at(7),
    protocol: 0x0806,
    ipVersion: null,
    l4Proto: null,
    saddr: null,
    daddr: null,
    sport: null,
    dport: null,
  }),
  exitEvent({ timeUs: at(8), pid: 300, uid: 1000, comm: 'curl' }),
  forkEvent({ timeUs: at(9), pid: 200, uid: 0, comm: 'bash' }),
];

type Expect = [Record<string, string | number | null>, number, number, number];

function expectRows(rows: ReturnType<typeof summarizeEvents>, expected: Expect[]): void {
  assert.deepEqual(
    rows.map((r) => ({ ...r, key: { ...r.key } })),
    expected.map(([key, count, first, last]) => ({ key, count, firstUs: at(first), lastUs: at(last) })),
  );
}

test('summary by comm: counts, first and last seen, largest groups first, ties by last seen', (t) => {
  const db = openWith(t, SAMPLE);
  expectRows(summarizeEvents(db, 'comm'), [
    [{ comm: 'curl' }, 6, 0, 8],
    [{ comm: 'bash' }, 2, 1, 9],
    [{ comm: 'swapper/0' }, 1, 7, 7],
    [{ comm: 'wget' }, 1, 6, 6],
  ]);
});

test('summary by pid groups per process (pid and comm)', (t) => {
  const db = openWith(t, SAMPLE);
  expectRows(summarizeEvents(db, 'pid'), [
    [{ pid: 300, comm: 'curl' }, 4, 0, 8],
    [{ pid: 200, comm: 'bash' }, 2, 1, 9],
    [{ pid: 301, comm: 'curl' }, 2, 4, 5],
    [{ pid: 0, comm: 'swapper/0' }, 1, 7, 7],
    [{ pid: 400, comm: 'wget' }, 1, 6, 6],
  ]);
});

test('summary by type and by uid', (t) => {
  const db = openWith(t, SAMPLE);
  expectRows(summarizeEvents(db, 'type'), [
    [{ type: 'drop' }, 5, 2, 7],
    [{ type: 'fork' }, 2, 1, 9],
    [{ type: 'exec' }, 2, 0, 4],
    [{ type: 'exit' }, 1, 8, 8],
  ]);
  expectRows(summarizeEvents(db, 'uid'), [
    [{ uid: 1000 }, 6, 0, 8],
    [{ uid: 0 }, 3, 1, 9],
    [{ uid: 33 }, 1, 6, 6],
  ]);
});

test('summary by dest: only rows with an address, per process, address and port', (t) => {
  const db = openWith(t, SAMPLE);
  expectRows(summarizeEvents(db, 'dest'), [
    [{ comm: 'curl', addr: '10.0.0.5', port: 443 }, 2, 2, 3],
    [{ comm: 'wget', addr: '2001:db8::1', port: 443 }, 1, 6, 6],
    [{ comm: 'curl', addr: '10.0.0.5', port: 80 }, 1, 5, 5],
  ]);
  // The dest condition combines with the filters (AND, not replacing them).
  expectRows(summarizeEvents(db, 'dest', { port: 443 }), [
    [{ comm: 'curl', addr: '10.0.0.5', port: 443 }, 2, 2, 3],
    [{ comm: 'wget', addr: '2001:db8::1', port: 443 }, 1, 6, 6],
  ]);
  expectRows(summarizeEvents(db, 'dest', { comm: 'curl', sinceUs: at(3) }), [
    [{ comm: 'curl', addr: '10.0.0.5', port: 80 }, 1, 5, 5],
    [{ comm: 'curl', addr: '10.0.0.5', port: 443 }, 1, 3, 3],
  ]);
  assert.deepEqual(summarizeEvents(db, 'dest', { types: ['exec', 'fork', 'exit'] }), []);
});

test('summary limit keeps the largest groups; filters narrow what is counted', (t) => {
  const db = openWith(t, SAMPLE);
  expectRows(summarizeEvents(db, 'comm', { limit: 2 }), [
    [{ comm: 'curl' }, 6, 0, 8],
    [{ comm: 'bash' }, 2, 1, 9],
  ]);
  expectRows(summarizeEvents(db, 'comm', { types: ['exec'] }), [[{ comm: 'curl' }, 2, 0, 4]]);
  expectRows(summarizeEvents(db, 'type', { uid: 1000 }), [
    [{ type: 'drop' }, 3, 2, 5],
    [{ type: 'exec' }, 2, 0, 4],
    [{ type: 'exit' }, 1, 8, 8],
  ]);
  expectRows(summarizeEvents(db, 'type', { pid: 300 }), [
    [{ type: 'drop' }, 2, 2, 3],
    [{ type: 'exit' }, 1, 8, 8],
    [{ type: 'exec' }, 1, 0, 0],
  ]);
  expectRows(summarizeEvents(db, 'comm', { sinceUs: at(2), untilUs: at(6) }), [
    [{ comm: 'curl' }, 4, 2, 5],
    [{ comm: 'wget' }, 1, 6, 6],
  ]);
  expectRows(summarizeEvents(db, 'uid', { addr: '10.0.0.5' }), [[{ uid: 1000 }, 3, 2, 5]]);
  assert.deepEqual(summarizeEvents(db, 'comm', { comm: 'nobody' }), []);
  assert.deepEqual(summarizeEvents(db, 'pid', { types: [] }), []);
});

test('summary of an empty database is empty; a broken one is DB_QUERY', (t) => {
  const db = openWith(t, []);
  for (const by of ['comm', 'pid', 'type', 'dest', 'uid'] as const) {
    assert.deepEqual(summarizeEvents(db, by), [], by);
  }
  db.exec('DROP VIEW events');
  assert.throws(() => summarizeEvents(db, 'comm'), {
    code: 'STORE_DB_QUERY',
    message: /^summary failed: .*events/,
  });
});

const PATHS = [
  '/usr/bin/curl',
  '/usr/bin/c%rl',
  '/usr/bin/cXrl',
  '/USR/bin/curl',
  '/opt/my_app/run',
  '/opt/myXapp/run',
  '/opt/my\\app/run',
  '/tmp/😀/x',
  '/tmp/é/x',
];

function pathSample(): BpfEvent[] {
  return [
    ...PATHS.map((filename, i) => execEvent({ timeUs: at(i), filename })),
    forkEvent({ timeUs: at(20) }),
    exitEvent({ timeUs: at(21) }),
    dropEvent({ timeUs: at(22) }),
  ];
}

function filenames(db: DatabaseSync, filter: EventFilter): string[] {
  return queryEvents(db, { ...filter, limit: 1000 }).map((e) =>
    e.type === 'exec' ? e.filename : `<${e.type}>`,
  );
}

test('path is a literal, case-sensitive prefix of the exec filename: % and _ are not wildcards', (t) => {
  const db = openWith(t, pathSample());
  assert.deepEqual(filenames(db, { path: '/usr/bin/c%' }), ['/usr/bin/c%rl']);
  assert.deepEqual(filenames(db, { path: '/opt/my_' }), ['/opt/my_app/run']);
  assert.deepEqual(filenames(db, { path: '/opt/my\\' }), ['/opt/my\\app/run']);
  assert.deepEqual(filenames(db, { path: '/usr/' }), ['/usr/bin/curl', '/usr/bin/c%rl', '/usr/bin/cXrl']);
  assert.deepEqual(filenames(db, { path: '/usr/bin/curl' }), ['/usr/bin/curl']);
  assert.deepEqual(filenames(db, { path: '/usr/bin/curl/' }), []);
  assert.deepEqual(filenames(db, { path: '%' }), []);
  // Characters beyond the BMP are one character to SQLite but two UTF-16 units to JavaScript.
  assert.deepEqual(filenames(db, { path: '/tmp/😀' }), ['/tmp/😀/x']);
  assert.deepEqual(filenames(db, { path: '/tmp/😀/x' }), ['/tmp/😀/x']);
  assert.deepEqual(filenames(db, { path: '/tmp/é' }), ['/tmp/é/x']);
  // Rows without a path (fork, exit, drop) never match a path filter.
  assert.equal(countEvents(db, { path: '/' }), PATHS.length);
  assert.equal(countEvents(db, { path: '/', types: ['fork', 'exit', 'drop'] }), 0);
});

test('path prefix agrees with String.startsWith for any prefix (property)', (t) => {
  const chars = ['/', 'a', 'A', '%', '_', '\\', '.', 'é', '😀', ' ', "'"];
  const name = fc
    .array(fc.constantFrom(...chars), { minLength: 1, maxLength: 8 })
    .map((a) => `/${a.join('')}`);
  const names = [...new Set(fc.sample(name, { numRuns: 60, seed: 42 }))];
  const db = openWith(
    t,
    names.map((filename, i) => execEvent({ timeUs: at(i), filename })),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        // Prefixes of stored names (by code point, so never half a surrogate pair)...
        fc
          .tuple(fc.constantFrom(...names), fc.nat())
          .map(([n, k]) => [...n].slice(0, 1 + (k % [...n].length)).join('')),
        // ...and arbitrary strings over the same alphabet.
        fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 4 }).map((a) => a.join('')),
      ),
      (prefix) => {
        const expected = names.filter((n) => n.startsWith(prefix));
        assert.deepEqual(filenames(db, { path: prefix }).sort(), expected.sort(), JSON.stringify(prefix));
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});

test('addr and port filters match the remote address and port exactly', (t) => {
  const db = openWith(t, SAMPLE);
  const times = (f: EventFilter): number[] => queryEvents(db, { ...f, limit: 1000 }).map((e) => e.timeUs);
  assert.deepEqual(times({ port: 443 }), [at(2), at(3), at(6)]);
  assert.deepEqual(times({ port: 80 }), [at(5)]);
  assert.deepEqual(times({ port: 0 }), []);
  assert.deepEqual(times({ addr: '10.0.0.5' }), [at(2), at(3), at(5)]);
  assert.deepEqual(times({ addr: '2001:db8::1' }), [at(6)]);
  assert.deepEqual(times({ addr: '10.0.0.5', port: 80 }), [at(5)]);
  assert.deepEqual(times({ addr: '10.0.0.5', port: 443, pid: 301 }), []);
  assert.deepEqual(times({ addr: '10.0.0.50' }), [], 'exact, not a prefix');
  assert.deepEqual(times({ addr: "10.0.0.5' OR '1'='1" }), [], 'bound, not spliced');
  assert.equal(countEvents(db, { port: 443 }), 3);
  const [row] = queryEvents(db, { addr: '2001:db8::1' });
  assert.equal(row?.type, 'drop');
  assert.equal(row.type === 'drop' && row.daddr, '2001:db8::1');
  assert.throws(() => queryEvents(db, { port: 1.5 }), { code: 'STORE_BAD_FILTER', message: /port/ });
});
