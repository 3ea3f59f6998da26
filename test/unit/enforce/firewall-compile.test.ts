import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Family } from '../../../src/domain/enforce/firewall/cidr.ts';
import { compileRules } from '../../../src/domain/enforce/firewall/compile.ts';
import { FirewallError } from '../../../src/domain/enforce/firewall/errors.ts';
import {
  evaluateLinear,
  lookupCompiled,
  type Packet,
} from '../../../src/domain/enforce/firewall/evaluate.ts';
import { FW, MAX_CANDIDATES } from '../../../src/domain/enforce/firewall/layout.ts';
import type { FirewallRule } from '../../../src/domain/enforce/firewall/rule.ts';
import { type RuleInput, requireRule } from '../../../src/domain/enforce/firewall/validate.ts';

const ip4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));
const pkt4 = (src: string, dst: string, proto = 17, sport = 1, dport = 2): Packet => ({
  family: 4,
  protocol: proto,
  src: ip4(src),
  dst: ip4(dst),
  ports: { sport, dport },
});
const idOf = (rules: readonly FirewallRule[], p: Packet): number | undefined => {
  const set = compileRules(rules);
  const slot = lookupCompiled(set, p);
  return slot === FW.NO_MATCH ? undefined : set.rules[slot]!.id;
};

test('first match by priority, then id; no match passes', () => {
  const rules = [
    requireRule({ id: 3, priority: 10, action: 'pass', src: '10.1.0.0/16' }),
    requireRule({ id: 2, priority: 20, action: 'drop', src: '10.0.0.0/8' }),
    requireRule({ id: 1, priority: 20, action: 'drop', dst: '192.0.2.0/24', protocol: 'udp', dport: '53' }),
  ];
  assert.equal(idOf(rules, pkt4('10.1.2.3', '192.0.2.1', 17, 9, 53)), 3);
  assert.equal(idOf(rules, pkt4('10.2.2.3', '192.0.2.1', 17, 9, 53)), 1, 'tie on priority: lower id');
  assert.equal(idOf(rules, pkt4('10.2.2.3', '192.0.2.1', 6, 9, 53)), 2);
  assert.equal(idOf(rules, pkt4('11.0.0.1', '192.0.2.1', 6, 9, 53)), undefined);
});

test('shorter prefixes are folded into longer ones and identical lists share chunks', () => {
  const set = compileRules([
    requireRule({ id: 1, action: 'drop', src: '10.0.0.0/8' }),
    requireRule({ id: 2, action: 'pass', src: '10.1.0.0/16' }),
    requireRule({ id: 3, action: 'pass', src: '10.1.2.0/24' }),
    requireRule({ id: 4, action: 'drop' }),
  ]);
  const listOf = (prefix: number): number[] => {
    const e = set.prefixes.find((p) => p.prefix === prefix)!;
    return set.chunks[e.head]!.slots.map((s) => set.rules[s]!.id);
  };
  assert.deepEqual(listOf(8), [1]);
  assert.deepEqual(listOf(16), [1, 2]);
  assert.deepEqual(listOf(24), [1, 2, 3]);
  assert.deepEqual(
    set.chunks[0]!.slots.map((s) => set.rules[s]!.id),
    [4],
    'wildcard list at chunk 0',
  );
});

test('lists longer than a chunk are chained; too many candidates are refused naming the prefix', () => {
  const many = (n: number): FirewallRule[] =>
    Array.from({ length: n }, (_, i) =>
      requireRule({
        id: i + 1,
        priority: i,
        action: 'drop',
        protocol: 'udp',
        src: '10.0.0.0/8',
        dport: i + 1,
      }),
    );
  const set = compileRules(many(MAX_CANDIDATES));
  assert.equal(set.maxCandidates, MAX_CANDIDATES);
  assert.equal(set.chunks.length, 1 + FW.MAX_CHUNKS);
  assert.equal(
    idOf(many(MAX_CANDIDATES), pkt4('10.9.9.9', '1.1.1.1', 17, 5, MAX_CANDIDATES)),
    MAX_CANDIDATES,
  );
  assert.throws(
    () => compileRules(many(MAX_CANDIDATES + 1)),
    (e: unknown) =>
      e instanceof FirewallError &&
      e.code === 'FIREWALL_RULES_DO_NOT_FIT' &&
      /113 rules can apply to source 10\.0\.0\.0\/8/.test(e.message),
  );
  assert.throws(
    () => compileRules([requireRule({ id: 1, action: 'drop' }), requireRule({ id: 1, action: 'pass' })]),
    (e: unknown) => e instanceof FirewallError && e.code === 'FIREWALL_DUPLICATE_ID',
  );
});

test('10,000 /32 rules compile into bounded lists', () => {
  const rules = Array.from({ length: 10_000 }, (_, i) =>
    requireRule({ id: i + 1, action: 'drop', src: `10.${(i >> 8) & 255}.${i & 255}.1/32` }),
  );
  rules.push(requireRule({ id: 20_000, action: 'pass', src: '10.0.0.0/8' }));
  const set = compileRules(rules);
  assert.equal(set.prefixes.length, 10_001);
  assert.equal(set.maxCandidates, 2);
  assert.equal(idOf(rules, pkt4('10.0.7.1', '1.1.1.1')), 8);
  assert.equal(idOf(rules, pkt4('10.0.7.2', '1.1.1.1')), 20_000);
});

// Small address pools so random rules and packets overlap often.
const v4Pool = ['10.0.0.0', '10.0.1.0', '10.1.0.0', '10.1.1.7', '192.168.0.1', '10.0.0.255'];
const v6Pool = ['2001:db8::', '2001:db8:0:1::', '2001:db8:1::7', 'fd00::1', '2001:db8::ff'];

function cidrText(family: Family, base: string, len: number): string {
  const bytes =
    family === 4
      ? ip4(base)
      : (() => {
          const r = requireRule({ id: 1, action: 'pass', src: `${base}/128` });
          return r.src!.addr;
        })();
  const out = Uint8Array.from(bytes);
  for (let bit = len; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const text =
    family === 4
      ? [...out].join('.')
      : Array.from({ length: 8 }, (_, i) => ((out[2 * i]! << 8) | out[2 * i + 1]!).toString(16)).join(':');
  return `${text}/${len}`;
}

const arbPrefix = (family: Family) =>
  fc
    .record({
      base: fc.constantFrom(...(family === 4 ? v4Pool : v6Pool)),
      len:
        family === 4 ? fc.constantFrom(0, 8, 16, 23, 24, 31, 32) : fc.constantFrom(0, 32, 48, 64, 127, 128),
    })
    .map(({ base, len }) => cidrText(family, base, len));

const arbPorts = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 }))
  .map(([lo, span]) => (span === 0 ? String(lo) : `${lo}-${lo + span}`));

const arbRuleInput = fc.constantFrom<Family>(4, 6).chain((family) =>
  fc.record(
    {
      priority: fc.integer({ min: 0, max: 4 }),
      action: fc.constantFrom('pass', 'drop', 'log'),
      protocol: fc.constantFrom('any', 'tcp', 'udp', family === 4 ? 'icmp' : 'icmpv6'),
      src: fc.option(arbPrefix(family), { nil: undefined }),
      dst: fc.option(arbPrefix(family), { nil: undefined }),
      sport: fc.option(arbPorts, { nil: undefined }),
      dport: fc.option(arbPorts, { nil: undefined }),
    },
    { requiredKeys: ['priority', 'action', 'protocol'] },
  ),
);

const arbRules = fc.array(arbRuleInput, { maxLength: 100 }).map((inputs) =>
  inputs.map((inp, i) => {
    const fixed: RuleInput = { ...inp, id: i + 1 };
    const portsOk = inp.protocol === 'tcp' || inp.protocol === 'udp';
    return requireRule(portsOk ? fixed : { ...fixed, sport: undefined, dport: undefined });
  }),
);

const arbAddr = (family: Family) =>
  fc
    .tuple(fc.constantFrom(...(family === 4 ? v4Pool : v6Pool)), fc.integer({ min: 0, max: 255 }))
    .map(([base, last]) => {
      const a = Uint8Array.from(
        requireRule({ id: 1, action: 'pass', src: cidrText(family, base, family === 4 ? 32 : 128) }).src!
          .addr,
      );
      if (last % 3 === 0) a[a.length - 1] = last; // sometimes another host of the same network
      return a;
    });

const arbPacket: fc.Arbitrary<Packet> = fc.constantFrom<Family>(4, 6).chain((family) =>
  fc.record({
    family: fc.constant(family),
    protocol: fc.constantFrom(6, 17, family === 4 ? 1 : 58, 47),
    src: arbAddr(family),
    dst: arbAddr(family),
    ports: fc.option(
      fc.record({ sport: fc.integer({ min: 0, max: 10 }), dport: fc.integer({ min: 0, max: 10 }) }),
      {
        nil: undefined,
      },
    ),
  }),
);

test('property: the compiled lookup decides like a linear evaluation by priority', () => {
  fc.assert(
    fc.property(arbRules, fc.array(arbPacket, { minLength: 1, maxLength: 30 }), (rules, packets) => {
      const set = compileRules(rules);
      for (const p of packets) {
        const slot = lookupCompiled(set, p);
        const got = slot === FW.NO_MATCH ? undefined : set.rules[slot]!.id;
        assert.equal(got, evaluateLinear(rules, p)?.id);
      }
    }),
    { numRuns: 400 },
  );
});
