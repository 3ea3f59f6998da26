/** net_events: network events round-trip through the store, and the events view projects them. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NetEvent } from '../../../src/families/net/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { T0_US, tempDir, withoutKtime } from './fixtures.ts';

const base = {
  timeUs: T0_US,
  ktimeNs: 1,
  pid: 4242,
  tid: 4242,
  ppid: 1,
  uid: 1000,
  gid: 1000,
  cgroupId: 77,
  comm: 'curl',
  family: 4 as const,
  protocol: 'tcp' as const,
  direction: 'outbound' as const,
  localAddr: '10.0.0.1',
  localPort: 40_001,
  remoteAddr: '93.184.216.34',
  remotePort: 443,
};

const EVENTS: NetEvent[] = [
  { ...base, type: 'connect', result: -115 },
  { ...base, timeUs: T0_US + 1, type: 'tcp_connect', ownerKnown: true },
  {
    ...base,
    timeUs: T0_US + 2,
    type: 'tcp_accept',
    pid: 0,
    tid: 0,
    ppid: 0,
    uid: 0,
    gid: 0,
    cgroupId: 0,
    comm: '',
    direction: 'inbound',
    family: 6,
    localAddr: '::1',
    localPort: 22,
    remoteAddr: 'fe80::1',
    remotePort: 51_000,
    ownerKnown: false,
  },
  {
    ...base,
    timeUs: T0_US + 3,
    type: 'tcp_close',
    ownerKnown: true,
    bytesSent: 2 ** 40 + 3,
    bytesReceived: 6789,
    durationNs: 3_000_000_000_123,
    closedFrom: 'LAST_ACK',
  },
  {
    ...base,
    timeUs: T0_US + 4,
    type: 'tcp_close',
    direction: 'unknown',
    ownerKnown: false,
    bytesSent: null,
    bytesReceived: null,
    durationNs: null,
    closedFrom: 'ESTABLISHED',
  },
  {
    ...base,
    timeUs: T0_US + 5,
    type: 'udp_send',
    protocol: 'udp',
    localAddr: '0.0.0.0',
    localPort: 5353,
    remoteAddr: '127.0.0.53',
    remotePort: 53,
    bytes: 42,
    bytesPartial: false,
    result: 42,
  },
  { ...base, timeUs: T0_US + 6, type: 'connect', protocol: 'unknown', result: -111 },
];

test('every network event type is stored and read back whole', (t) => {
  const db = openDatabase(join(tempDir(t), 'net.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue(EVENTS);
  assert.equal(writer.flush(), EVENTS.length);
  const got = queryEvents(db, { types: ['tcp_connect', 'tcp_accept', 'tcp_close', 'connect', 'udp_send'] });
  assert.deepEqual(
    got.map(({ id: _, ...rest }) => rest),
    EVENTS.map(withoutKtime),
  );
});

test('the events view gives the remote address and port, no path', (t) => {
  const db = openDatabase(join(tempDir(t), 'net.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue(EVENTS);
  writer.flush();
  assert.deepEqual(
    queryEvents(db, { addr: 'fe80::1' }).map((e) => e.type),
    ['tcp_accept'],
  );
  assert.deepEqual(
    queryEvents(db, { port: 53 }).map((e) => e.type),
    ['udp_send'],
  );
  const view = db
    .prepare("SELECT path, addr, port FROM events WHERE type IN ('udp_send', 'tcp_accept') ORDER BY time_us")
    .all();
  assert.deepEqual(
    view.map((r) => [r.path, r.addr, r.port]),
    [
      [null, 'fe80::1', 51_000],
      [null, '127.0.0.53', 53],
    ],
  );
});

test('port filters: --port matches either end, localPort and remotePort one each', (t) => {
  const db = openDatabase(join(tempDir(t), 'net.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue(EVENTS);
  writer.flush();
  const types = (f: Parameters<typeof queryEvents>[1]): string[] => queryEvents(db, f).map((e) => e.type);
  // The accept's own end is 22, its peer's 51000.
  assert.deepEqual(types({ port: 22 }), ['tcp_accept']);
  assert.deepEqual(types({ port: 51_000 }), ['tcp_accept']);
  assert.deepEqual(types({ localPort: 22 }), ['tcp_accept']);
  assert.deepEqual(types({ remotePort: 22 }), []);
  assert.deepEqual(types({ remotePort: 51_000 }), ['tcp_accept']);
  assert.deepEqual(types({ localPort: 5353, types: ['udp_send'] }), ['udp_send']);
  assert.deepEqual(types({ localPort: 22, remotePort: 51_000, types: ['tcp_accept'] }), ['tcp_accept']);
  assert.deepEqual(types({ localPort: 22, remotePort: 443 }), []);
  assert.equal(types({ port: 443 }).length, 5, 'the outbound rows by their remote end');
  const view = db
    .prepare("SELECT local_port, port FROM events WHERE type = 'tcp_accept'")
    .all()
    .map((r) => ({ ...r }));
  assert.deepEqual(view, [{ local_port: 22, port: 51_000 }]);
});
