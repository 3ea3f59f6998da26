/**
 * Per-source token buckets in the running kernel: under a flood a source
 * gets about burst + rate x duration packets through (tolerance ±20%), the
 * allowed and dropped counters add up to what was sent, and the SYN guard
 * drops excess SYNs while other traffic from the source passes. The sender
 * is pinned to one CPU (the buckets are per CPU; XDP runs on the sending CPU).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  buildFlood,
  type FwNet,
  type FwSandbox,
  fwNet,
  fwSandbox,
  type PolicyRing,
  policyRing,
  udpReceiver,
} from '../support/fw-net.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, sleep } from '../support/spawn.ts';

const TOLERANCE = 0.2;

function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * TOLERANCE,
    `${what}: ${actual}, expected ${expected.toFixed(0)} ±${TOLERANCE * 100}%`,
  );
}

describe('firewall rate limit and SYN guard', { skip: kernelSkip }, () => {
  let net: FwNet;
  let sb: FwSandbox;
  let ring: PolicyRing;

  before(() => {
    buildFlood();
    net = fwNet();
    sb = fwSandbox();
    sb.svc.attach(net.host, 'auto');
    ring = policyRing(sb.pinRoot);
  });

  after(() => {
    ring?.close();
    sb?.cleanup();
    net?.cleanup();
  });

  test('a UDP flood is cut to about the configured rate; counters match what was sent and received', async () => {
    const rate = 1000;
    const burst = 100;
    sb.svc.setRateLimit({ rate, burst });
    const src = net.peer4[0]!;
    const rx = await udpReceiver('udp4', net.host4);
    try {
      const f = await net.floodAsync([
        '--src',
        src,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--cpu',
        '0',
        '--seconds',
        '2',
        '--rate',
        '5000',
      ]);
      assert.ok(f.sent > 8000, `sent ${f.sent}`);
      const s = sb.svc.sources(100).find((x) => x.source === src);
      assert.ok(s, 'the source is tracked');
      assert.equal(s.allowed + s.dropped, f.sent, 'every packet was allowed or dropped');
      near(s.allowed, burst + rate * f.seconds, 'allowed');
      await eventually(
        'every allowed datagram delivered',
        () => (rx.from(src) === s.allowed ? true : undefined),
        5000,
      );
      const c = sb.svc.counters()!;
      // The namespace's own IPv6 chatter (link-local sources) passes the limiter too.
      assert.ok(
        c.rateAllowed >= s.allowed && c.rateAllowed <= s.allowed + 20,
        `allowed in total ${c.rateAllowed}`,
      );
      assert.equal(c.rateDropped, s.dropped);
      ring.consume();
      const denied = ring.records.filter((r) => r.reason === 'rate_limit');
      assert.ok(denied.length >= 1, 'rate limit drops are recorded (rate-limited)');
      assert.ok(denied.every((r) => r.action === 'denied' && r.ruleId === 0 && r.srcAddr === src));
    } finally {
      await rx.close();
    }
  });

  test('the SYN guard drops excess SYNs from a source and lets its other packets through', async () => {
    sb.svc.clearRateLimit();
    const synRate = 50;
    const synBurst = 10;
    sb.svc.setRateLimit({ synRate, synBurst });
    const src = net.peer4[1]!;
    const f = await net.floodAsync([
      '--syn',
      '--src',
      src,
      '--dst',
      net.host4,
      '--port',
      '7',
      '--cpu',
      '0',
      '--count',
      '1000',
      '--rate',
      '1000',
    ]);
    assert.equal(f.sent, 1000);
    const s = sb.svc.sources(100).find((x) => x.source === src);
    assert.ok(s, 'the source is tracked');
    assert.equal(s.allowed + s.synDropped, 1000);
    assert.equal(s.dropped, 0, 'no packet rate limit is on');
    near(s.allowed, synBurst + synRate * f.seconds, 'SYNs allowed');
    const rx = await udpReceiver('udp4', net.host4);
    try {
      await net.floodAsync([
        '--src',
        src,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--cpu',
        '0',
        '--count',
        '300',
        '--rate',
        '3000',
      ]);
      await eventually('UDP from the same source passes', () => (rx.from(src) === 300 ? true : undefined));
    } finally {
      await rx.close();
    }
    await sleep(50);
    ring.consume();
    assert.ok(ring.records.some((r) => r.reason === 'syn_guard' && r.srcAddr === src && r.protocol === 6));
    assert.equal(sb.svc.counters()!.synDropped, s.synDropped);
  });

  test('IPv6 sources have their own buckets', async () => {
    sb.svc.setRateLimit({ rate: 500, burst: 50, synRate: 0 });
    const src = net.peer6[0]!;
    const f = await net.floodAsync([
      '--src',
      src,
      '--dst',
      net.host6,
      '--port',
      '9',
      '--cpu',
      '0',
      '--seconds',
      '1',
      '--rate',
      '4000',
    ]);
    const all = sb.svc.sources(100);
    const s = all.find((x) => x.source === src);
    assert.ok(
      s,
      `the IPv6 source ${src} is tracked (flood ${JSON.stringify(f)}; tracked ${JSON.stringify(all)})`,
    );
    assert.equal(s.allowed + s.dropped, f.sent);
    near(s.allowed, 50 + 500 * f.seconds, 'allowed');
  });
});
