import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventDetails } from '../../../src/cli/format/event-row.ts';
import type { StoredEvent } from '../../../src/store/event-query.ts';

const common = {
  id: 1,
  timeUs: 0,
  pid: 10,
  tid: 10,
  ppid: 1,
  uid: 0,
  gid: 0,
  cgroupId: 1,
  comm: 'curl',
  family: 4 as const,
  protocol: 'tcp' as const,
  direction: 'outbound' as const,
  localAddr: '10.0.0.1',
  localPort: 40_001,
  remoteAddr: '93.184.216.34',
  remotePort: 443,
};

const details = (e: StoredEvent): string => eventDetails(e);

test('tcp_connect and tcp_accept: the flow, arrow in the opening direction', () => {
  assert.equal(
    details({ ...common, type: 'tcp_connect', ownerKnown: true }),
    'tcp 10.0.0.1:40001 → 93.184.216.34:443',
  );
  assert.equal(
    details({
      ...common,
      type: 'tcp_accept',
      family: 6,
      direction: 'inbound',
      localAddr: '::1',
      localPort: 22,
      remoteAddr: '::1',
      remotePort: 51_000,
      ownerKnown: false,
    }),
    'tcp [::1]:22 ← [::1]:51000 (owner unknown)',
  );
});

test('tcp_close: bytes each way, duration, the state it closed from', () => {
  const close = {
    ...common,
    type: 'tcp_close' as const,
    ownerKnown: true,
    bytesSent: 12_345,
    bytesReceived: 6789,
    durationNs: 12_500_000,
    closedFrom: 'LAST_ACK',
  };
  assert.equal(
    details(close),
    'tcp 10.0.0.1:40001 → 93.184.216.34:443 sent=12345 received=6789 duration=12.5ms from=LAST_ACK',
  );
  assert.equal(
    details({
      ...close,
      direction: 'unknown',
      bytesSent: null,
      bytesReceived: null,
      durationNs: null,
      ownerKnown: false,
    }),
    'tcp 10.0.0.1:40001 ↔ 93.184.216.34:443 from=LAST_ACK (owner unknown)',
  );
});

test('connect and udp_send: the result with its errno name', () => {
  assert.equal(
    details({ ...common, type: 'connect', localAddr: '0.0.0.0', localPort: 0, result: -111 }),
    'tcp 0.0.0.0:0 → 93.184.216.34:443 = -111 ECONNREFUSED',
  );
  assert.equal(
    details({
      ...common,
      type: 'udp_send',
      protocol: 'udp',
      remoteAddr: '127.0.0.53',
      remotePort: 53,
      bytes: 42,
      bytesPartial: false,
      result: 42,
    }),
    'udp 10.0.0.1:40001 → 127.0.0.53:53 42 bytes = 42',
  );
});
