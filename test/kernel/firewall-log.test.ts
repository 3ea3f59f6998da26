/**
 * Log rules in the running kernel: hits become bw_policy_event records in
 * the pinned ring, rate-limited per rule with the suppressed ones counted.
 * The sender is pinned to one CPU; the veth receive path (and XDP) runs on
 * the sending CPU, so one CPU's log bucket sees every packet.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

describe('firewall log rules', { skip: kernelSkip }, () => {
  let net: FwNet;
  let sb: FwSandbox;
  let ring: PolicyRing;

  before(() => {
    buildFlood();
    net = fwNet();
    sb = fwSandbox();
    sb.svc.setRateLimit({ logRate: 5, logBurst: 5 });
    sb.svc.addRule({ id: 7, action: 'log', protocol: 'udp', src: `${net.peer4[0]}/32`, comment: 'watch' });
    sb.svc.addRule({ id: 8, action: 'drop', log: true, src: `${net.peer4[1]}/32` });
    sb.svc.attach(net.host, 'auto');
    ring = policyRing(sb.pinRoot);
  });

  after(() => {
    ring?.close();
    sb?.cleanup();
    net?.cleanup();
  });

  test('a log rule passes traffic and records hits with its id, at most its burst at once, counting the rest', async () => {
    const src = net.peer4[0]!;
    const rx = await udpReceiver('udp4', net.host4);
    try {
      const args = ['--src', src, '--dst', net.host4, '--port', String(rx.port), '--cpu', '0'];
      await net.floodAsync([...args, '--count', '100', '--rate', '1000']);
      await sleep(1200); // the bucket refills (5 records/s)
      await net.floodAsync([...args, '--count', '1']);
      await eventually('every datagram delivered (log passes)', () =>
        rx.from(src) === 101 ? true : undefined,
      );
      ring.consume();
      const mine = ring.records.filter((r) => r.ruleId === 7);
      assert.ok(
        mine.length >= 2 && mine.length <= 7,
        `${mine.length} records: the burst of 5 (+1 refilled), then one`,
      );
      const ifindex = Number(readFileSync(`/sys/class/net/${net.host}/ifindex`, 'utf8'));
      for (const r of mine) {
        assert.equal(r.type, 'policy_firewall');
        assert.equal(r.action, 'logged');
        assert.equal(r.reason, 'rule');
        assert.equal(r.ifindex, ifindex);
        assert.equal(r.family, 4);
        assert.equal(r.protocol, 17);
        assert.equal(r.srcAddr, src);
        assert.equal(r.dstAddr, net.host4);
        assert.equal(r.dstPort, rx.port);
        assert.equal(r.pid, 0, 'no process context in XDP');
      }
      const last = mine.at(-1)!;
      assert.ok(last.suppressed >= 90, `the last record counts the ${last.suppressed} suppressed before it`);
      const suppressed = mine.reduce((n, r) => n + r.suppressed, 0);
      assert.equal(mine.length + suppressed, 101, 'records plus suppressed account for every hit');
      const c = sb.svc.counters()!;
      assert.equal(c.events, mine.length);
      assert.equal(c.eventsSuppressed, 101 - mine.length);
    } finally {
      await rx.close();
    }
  });

  test('a drop rule marked log records denials', async () => {
    const src = net.peer4[1]!;
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
        '20',
        '--rate',
        '2000',
      ]);
      await eventually('denial records', () => {
        ring.consume();
        return ring.records.some((r) => r.ruleId === 8) ? true : undefined;
      });
      const mine = ring.records.filter((r) => r.ruleId === 8);
      assert.ok(mine.length >= 1 && mine.length <= 6, `${mine.length} records (burst 5)`);
      assert.ok(mine.every((r) => r.action === 'denied' && r.reason === 'rule' && r.srcAddr === src));
      assert.equal(rx.from(src), 0);
      assert.equal(sb.svc.status().rules.find((r) => r.rule.id === 8)?.packets, 20);
    } finally {
      await rx.close();
    }
  });
});
