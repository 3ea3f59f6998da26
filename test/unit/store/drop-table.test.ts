/** drop_events: a drop round-trips through the store, and the events view projects it. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DropEvent } from '../../../src/families/drop/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { dropEvent as fixtureDropEvent, T0_US, tempDir, withoutKtime } from './fixtures.ts';

function dropEvent(over: Partial<DropEvent> = {}): DropEvent {
  return fixtureDropEvent({
    comm: 'swapper/1',
    reason: 3,
    len: 52,
    netns: 4026531833,
    l4Proto: 17,
    saddr: '10.0.0.1',
    daddr: '10.0.0.2',
    sport: 40001,
    dport: 9,
    ...over,
  });
}

test('a drop is stored and read back whole, its kernel address exact', (t) => {
  const db = openDatabase(join(tempDir(t), 'drop.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  const a = dropEvent();
  const b = dropEvent({
    timeUs: T0_US + 1,
    location: '0x1234',
    ifname: null,
    ipVersion: null,
    l4Proto: null,
    saddr: null,
    daddr: null,
    sport: null,
    dport: null,
    protocol: 0x0806,
  });
  const c = dropEvent({
    timeUs: T0_US + 2,
    ipVersion: 6,
    l4Proto: 58,
    saddr: 'fe80::1',
    daddr: '::1',
    sport: null,
    dport: null,
    icmpType: 128,
    icmpCode: 0,
  });
  writer.enqueue([a, b, c]);
  assert.equal(writer.flush(), 3);
  const got = queryEvents(db, { types: ['drop'] });
  assert.deepEqual(
    got.map(({ id: _, ...rest }) => rest),
    [a, b, c].map(withoutKtime),
  );
  const raw = db
    .prepare('SELECT location FROM drop_events ORDER BY id')
    .all()
    .map((r) => r.location);
  assert.equal(typeof raw[0], 'number', 'stored as an INTEGER');
});

test('the events view gives the destination address and port', (t) => {
  const db = openDatabase(join(tempDir(t), 'drop.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue([dropEvent(), dropEvent({ timeUs: T0_US + 5, daddr: '10.0.0.3', dport: 53 })]);
  writer.flush();
  assert.deepEqual(
    queryEvents(db, { addr: '10.0.0.3' }).map((e) => e.timeUs),
    [T0_US + 5],
  );
  assert.deepEqual(
    queryEvents(db, { port: 9 }).map((e) => e.timeUs),
    [T0_US],
  );
  const view = db.prepare("SELECT path, addr, port FROM events WHERE type = 'drop' ORDER BY time_us").all();
  assert.deepEqual(
    view.map((r) => [r.path, r.addr, r.port]),
    [
      [null, '10.0.0.2', 9],
      [null, '10.0.0.3', 53],
    ],
  );
});
