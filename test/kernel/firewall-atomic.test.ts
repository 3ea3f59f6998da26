/**
 * Rule replacement under continuous traffic, in the running kernel: no
 * packet ever sees no rules, or a mix of the old and the new rule set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FirewallRule } from '../../src/domain/enforce/firewall/rule.ts';
import { type RuleInput, requireRule } from '../../src/domain/enforce/firewall/validate.ts';
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

const rules = (inputs: readonly RuleInput[]): FirewallRule[] => inputs.map((r) => requireRule(r));

describe('atomic rule replacement', { skip: kernelSkip }, () => {
  let net: FwNet;
  let sb: FwSandbox;

  before(() => {
    buildFlood();
    net = fwNet();
    sb = fwSandbox();
    sb.svc.attach(net.host, 'auto');
  });

  after(() => {
    sb?.cleanup();
    net?.cleanup();
  });

  test('a source every rule set denies gets no packet through while the set is replaced hundreds of times', async () => {
    const [denied, other] = net.peer4;
    // Every set drops `denied`, each in another way: another id, prefix, priority and slot.
    const variant = (i: number): FirewallRule[] => {
      const filler = Array.from({ length: i % 7 }, (_, k) => ({
        id: 5000 + ((i + k) % 50),
        priority: k,
        action: 'pass',
        src: `10.99.${k}.0/24`,
      }));
      const deny =
        i % 3 === 0
          ? { id: 1000 + i, priority: 500 - (i % 40), action: 'drop', src: `${denied}/32` }
          : i % 3 === 1
            ? { id: 1000 + i, priority: 100 + (i % 40), action: 'drop', src: net.net4, protocol: 'udp' }
            : { id: 1000 + i, priority: i % 40, action: 'drop', dst: `${net.host4}/32`, protocol: 'udp' };
      // `other` passes in every set before the deny rule, so the sets do differ in effect.
      return rules([{ id: 1, priority: 0, action: 'pass', src: `${other}/32` }, ...filler, deny]);
    };
    sb.svc.replaceSourceRules(variant(0));
    const rx = await udpReceiver('udp4', net.host4);
    try {
      const before = sb.svc.counters()!;
      // Each replacement waits for an RCU grace period (about 10 ms): 300 take a few seconds.
      const flood = net.floodAsync([
        '--src',
        denied!,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--seconds',
        '10',
        '--rate',
        '20000',
      ]);
      const floodOther = net.floodAsync([
        '--src',
        other!,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--seconds',
        '10',
        '--rate',
        '2000',
      ]);
      await sleep(100);
      const t0 = Date.now();
      let n = 0;
      for (let i = 1; i <= 300; i++) {
        sb.svc.replaceSourceRules(variant(i));
        n++;
        await sleep(0); // let the receiver drain its socket
      }
      const elapsed = Date.now() - t0;
      const f = await flood;
      const fo = await floodOther;
      assert.ok(elapsed < 9500, `300 replacements took ${elapsed} ms: they ran while the flood did`);
      assert.equal(n, 300);
      await eventually(
        'the passed source delivered',
        () => (rx.from(other!) === fo.sent ? true : undefined),
        5000,
      );
      assert.equal(rx.from(denied!), 0, `none of ${f.sent} packets of the denied source passed`);
      const after = sb.svc.counters()!;
      assert.equal(
        after.ruleDropped - before.ruleDropped,
        f.sent,
        'every packet of it was dropped by a rule',
      );
    } finally {
      await rx.close();
    }
  });

  test('alternating two sets that treat two sources oppositely: every packet is decided by one whole set', async () => {
    const [s1, s2] = net.peer4;
    sb.svc.setRateLimit({ logRate: 0 }); // a record for every hit
    // Same shape, opposite effect; a packet decided by a mix of the two would
    // be recorded under a rule id its source never meets in either set.
    const OLD = rules([
      { id: 101, priority: 1, action: 'drop', log: true, src: `${s1}/32` },
      { id: 102, priority: 2, action: 'log', src: `${s2}/32` },
      { id: 103, priority: 3, action: 'log', src: net.net4 },
    ]);
    const NEW = rules([
      { id: 201, priority: 1, action: 'log', src: `${s1}/32` },
      { id: 202, priority: 2, action: 'drop', log: true, src: `${s2}/32` },
      { id: 203, priority: 3, action: 'log', src: net.net4 },
    ]);
    const allowed: Record<string, readonly string[]> = {
      [s1!]: ['101 denied', '201 logged'],
      [s2!]: ['102 logged', '202 denied'],
    };
    sb.svc.replaceSourceRules(OLD);
    const ring: PolicyRing = policyRing(sb.pinRoot);
    const rx = await udpReceiver('udp4', net.host4);
    try {
      const before = sb.svc.counters()!;
      const args = ['--dst', net.host4, '--port', String(rx.port), '--seconds', '6', '--rate', '3000'];
      const f1 = net.floodAsync([...args, '--src', s1!]);
      const f2 = net.floodAsync([...args, '--src', s2!]);
      await sleep(100);
      for (let i = 0; i < 200; i++) {
        sb.svc.replaceSourceRules(i % 2 === 0 ? NEW : OLD);
        ring.consume();
        await sleep(0); // let the receiver drain its socket
      }
      const [r1, r2] = [await f1, await f2];
      await sleep(200);
      ring.consume();
      const after = sb.svc.counters()!;
      assert.equal(after.ringFull - before.ringFull, 0, 'no record lost: the accounting below is complete');
      for (const [src, sent] of [
        [s1!, r1.sent],
        [s2!, r2.sent],
      ] as const) {
        const mine = ring.records.filter((r) => r.srcAddr === src && r.dstPort === rx.port);
        const seen = new Map<string, number>();
        for (const r of mine)
          seen.set(`${r.ruleId} ${r.action}`, (seen.get(`${r.ruleId} ${r.action}`) ?? 0) + 1);
        for (const k of seen.keys())
          assert.ok(allowed[src]!.includes(k), `${src}: decided by "${k}", which neither whole set does`);
        assert.equal(mine.length, sent, `${src}: one record per packet sent`);
        const passed = seen.get(allowed[src]![src === s1 ? 1 : 0]!) ?? 0;
        assert.ok(
          passed > 0 && passed < sent,
          `${src}: both sets decided some packets (${passed} of ${sent} passed)`,
        );
        await eventually(
          `${src}: delivered = passed`,
          () => (rx.from(src) === passed ? true : undefined),
          5000,
        );
      }
    } finally {
      ring.close();
      await rx.close();
    }
  });
});
