/** dns_events: queries and answers round-trip through the store; the view shows the server. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DnsAnswerEvent, DnsQueryEvent } from '../../../src/families/dns/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { T0_US, tempDir, withoutKtime } from './fixtures.ts';

const base = {
  ktimeNs: 1,
  pid: 4242,
  tid: 4242,
  ppid: 1,
  uid: 1000,
  gid: 1000,
  cgroupId: 5,
  comm: 'curl',
  dnsId: 0x1234,
  name: 'example.com',
  qtype: 1,
  qtypeName: 'A',
  serverAddr: '10.0.0.53',
  serverPort: 53,
  clientAddr: '10.0.0.5',
  clientPort: 40000,
  ifindex: 0,
  direction: 'egress' as const,
  truncated: false,
};

const query: DnsQueryEvent = { ...base, type: 'dns_query', timeUs: T0_US };
const answer: DnsAnswerEvent = {
  ...base,
  type: 'dns_answer',
  timeUs: T0_US + 10,
  pid: 0,
  tid: 0,
  comm: '',
  ifindex: 2,
  direction: 'ingress',
  truncated: true,
  rcode: 0,
  rcodeName: 'NOERROR',
  answers: [
    { type: 'CNAME', ttl: 300, data: 'edge.example.net' },
    { type: 'A', ttl: 30, data: '93.184.216.34' },
    { type: 'TXT', ttl: 5, data: null },
  ],
  queryPid: 4242,
};
const nx: DnsAnswerEvent = {
  ...answer,
  timeUs: T0_US + 20,
  serverAddr: '::1',
  rcode: 3,
  rcodeName: 'NXDOMAIN',
  answers: [],
  queryPid: null,
};

test('queries and answers are stored and read back whole', (t) => {
  const db = openDatabase(join(tempDir(t), 'dns.db'));
  t.after(() => db.close());
  const w = new EventWriter(db);
  w.enqueue([query, answer, nx]);
  assert.equal(w.flush(), 3);
  const got = queryEvents(db, { types: ['dns_query', 'dns_answer'] });
  assert.deepEqual(
    got.map(({ id: _, ...rest }) => rest),
    [query, answer, nx].map(withoutKtime),
  );
});

test('the events view gives the server address and port', (t) => {
  const db = openDatabase(join(tempDir(t), 'dns.db'));
  t.after(() => db.close());
  const w = new EventWriter(db);
  w.enqueue([query, nx]);
  w.flush();
  assert.deepEqual(
    queryEvents(db, { addr: '::1' }).map((e) => e.type),
    ['dns_answer'],
  );
  assert.equal(queryEvents(db, { port: 53, types: ['dns_query', 'dns_answer'] }).length, 2);
  const view = db
    .prepare("SELECT path, addr, port FROM events WHERE type LIKE 'dns_%' ORDER BY time_us")
    .all();
  assert.deepEqual(
    view.map((r) => [r.path, r.addr, r.port]),
    [
      [null, '10.0.0.53', 53],
      [null, '::1', 53],
    ],
  );
});
