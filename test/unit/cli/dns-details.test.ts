import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventDetails } from '../../../src/cli/format/event-row.ts';
import type { StoredEvent } from '../../../src/store/event-query.ts';

const common = {
  id: 1,
  timeUs: 0,
  pid: 7,
  tid: 7,
  ppid: 1,
  uid: 0,
  gid: 0,
  cgroupId: 1,
  comm: 'curl',
  dnsId: 4660,
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
const query = { ...common, type: 'dns_query' as const } satisfies StoredEvent;
const answer = {
  ...query,
  type: 'dns_answer' as const,
  rcode: 0,
  rcodeName: 'NOERROR',
  answers: [
    { type: 'CNAME', ttl: 300, data: 'edge.example.net' as string | null },
    { type: 'A', ttl: 30, data: '93.184.216.34' as string | null },
  ],
  queryPid: 7 as number | null,
} satisfies StoredEvent;

test('dns_query details: name, type, server, id', () => {
  assert.equal(eventDetails(query), 'example.com A to 10.0.0.53:53 id=4660');
  assert.equal(
    eventDetails({ ...query, serverAddr: '::1', truncated: true }),
    'example.com A to [::1]:53 id=4660 truncated',
  );
});

test('dns_answer details: rcode, answers, server, the querying pid', () => {
  assert.equal(
    eventDetails(answer),
    'example.com A NOERROR → CNAME edge.example.net, 93.184.216.34 from 10.0.0.53:53 for pid 7 id=4660',
  );
  assert.equal(
    eventDetails({ ...answer, rcode: 3, rcodeName: 'NXDOMAIN', answers: [], queryPid: null }),
    'example.com A NXDOMAIN from 10.0.0.53:53 id=4660',
  );
  const many = Array.from({ length: 6 }, (_, i) => ({
    type: 'A',
    ttl: 1,
    data: `10.0.0.${i}` as string | null,
  }));
  assert.match(
    eventDetails({ ...answer, answers: many }),
    /→ 10\.0\.0\.0, 10\.0\.0\.1, 10\.0\.0\.2, 10\.0\.0\.3 …\(\+2\) from/,
  );
});

test('an unreadable message says so', () => {
  assert.equal(
    eventDetails({ ...query, name: '', qtypeName: '', dnsId: 0, truncated: true }),
    '(unreadable) to 10.0.0.53:53 id=0 truncated',
  );
});
