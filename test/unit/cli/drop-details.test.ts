import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventDetails } from '../../../src/cli/format/event-row.ts';
import type { StoredEvent } from '../../../src/store/event-query.ts';

const drop = {
  id: 1,
  type: 'drop' as const,
  timeUs: 0,
  pid: 0,
  tid: 0,
  ppid: 0,
  uid: 0,
  gid: 0,
  cgroupId: 1,
  comm: 'swapper/0',
  reason: 3,
  reasonName: 'NO_SOCKET',
  location: '0xffffffff81a2b3c4',
  len: 52,
  ifindex: 1,
  ifname: 'lo' as string | null,
  netns: 4026531833,
  protocol: 0x0800,
  ipVersion: 4 as 4 | 6 | null,
  l4Proto: 17 as number | null,
  saddr: '127.0.0.1' as string | null,
  daddr: '127.0.0.1' as string | null,
  sport: 40001 as number | null,
  dport: 9 as number | null,
  icmpType: null as number | null,
  icmpCode: null as number | null,
} satisfies StoredEvent;

test('drop details: reason, protocol, flow, interface, length, location in hex', () => {
  assert.equal(
    eventDetails(drop),
    'NO_SOCKET udp 127.0.0.1:40001 → 127.0.0.1:9 dev=lo len=52 at 0xffffffff81a2b3c4',
  );
});

test('drop details: IPv6 in brackets, ICMP type and code, ifindex when the name is unknown', () => {
  assert.equal(
    eventDetails({
      ...drop,
      protocol: 0x86dd,
      ipVersion: 6,
      l4Proto: 58,
      saddr: 'fe80::1',
      daddr: '::1',
      sport: null,
      dport: null,
      icmpType: 1,
      icmpCode: 4,
      ifname: null,
      ifindex: 7,
    }),
    'NO_SOCKET icmpv6 fe80::1 → ::1 type=1 code=4 ifindex=7 len=52 at 0xffffffff81a2b3c4',
  );
  assert.equal(
    eventDetails({ ...drop, l4Proto: 132, sport: null, dport: null }),
    'NO_SOCKET proto=132 127.0.0.1 → 127.0.0.1 dev=lo len=52 at 0xffffffff81a2b3c4',
  );
});

test('drop details: an unparsed packet shows its ethertype', () => {
  assert.equal(
    eventDetails({
      ...drop,
      reasonName: 'NOT_SPECIFIED',
      protocol: 0x0806,
      ipVersion: null,
      l4Proto: null,
      saddr: null,
      daddr: null,
      sport: null,
      dport: null,
    }),
    'NOT_SPECIFIED ethertype=0x0806 dev=lo len=52 at 0xffffffff81a2b3c4',
  );
});
