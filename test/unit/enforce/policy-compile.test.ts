/**
 * The compiled kernel tables decide exactly as the rules read: for random
 * rule sets and random connects/execs, the kernel-faithful evaluator over
 * the compiled tables agrees with the reference evaluator over the rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileEgress } from '../../../src/domain/enforce/policy/compile-egress.ts';
import { compileExec } from '../../../src/domain/enforce/policy/compile-exec.ts';
import {
  decideCompiledEgress,
  decideCompiledExec,
  decideEgress,
  decideExec,
} from '../../../src/domain/enforce/policy/evaluate.ts';
import type {
  EgressRule,
  ExecRule,
  PathResolvers,
  ResolvedCgroup,
} from '../../../src/domain/enforce/policy/rule.ts';
import { egressRuleFrom, execRuleFrom } from '../../../src/domain/enforce/policy/rule-input.ts';
import { fixedOffsetClock, type TimeWindow } from '../../../src/domain/enforce/policy/time-window.ts';
import { maskBytes, parseIp } from '../../../src/domain/net/ip.ts';

const clock = fixedOffsetClock(0);
const NOW = Date.UTC(2026, 10, 23, 10, 0); // a Monday, 10:00 UTC

// A small cgroup tree: / (1) -> /a (10) -> /a/b (11); / -> /c (20). /gone does not exist.
const CGROUPS: Record<string, ResolvedCgroup> = {
  '/': { id: 1, level: 0 },
  '/a': { id: 10, level: 1 },
  '/a/b': { id: 11, level: 2 },
  '/c': { id: 20, level: 1 },
};
const ANCESTORS = [[1], [1, 10], [1, 10, 11], [1, 20]];
const BINARIES: Record<string, { inode: number; dev: number }> = {
  '/usr/bin/nc': { inode: 100, dev: 2049 },
  '/usr/bin/ncat': { inode: 100, dev: 2049 }, // a hard link of nc
  '/usr/bin/curl': { inode: 200, dev: 2049 },
};
const resolve: PathResolvers = {
  cgroup: (p) => CGROUPS[p],
  binary: (p) => BINARIES[p],
};
const opts = { resolve, nowMs: NOW, clock };

// Overlapping prefixes so longest-prefix lookups meet nested rules.
const ADDRS = [
  '10.0.0.0',
  '10.1.0.0',
  '10.1.2.0',
  '10.1.2.3',
  '192.168.1.1',
  '2001:db8::',
  '2001:db8:1::1',
  '::1',
];
const arbCidr = fc.tuple(fc.constantFrom(...ADDRS), fc.integer({ min: 0, max: 128 })).map(([a, len]) => {
  const ip = parseIp(a)!;
  const l = Math.min(len, ip.family === 4 ? 32 : 128);
  return { family: ip.family, bytes: maskBytes(ip.bytes, l), prefixLen: l };
});
const OPEN: TimeWindow = { days: 0x7f, start: 0, end: 1440 };
const CLOSED: TimeWindow = { days: 0x7f, start: 0, end: 60 };
const arbScope = fc.record(
  {
    cgroup: fc.constantFrom('/', '/a', '/a/b', '/c', '/gone'),
    uid: fc.constantFrom(0, 1000),
    windows: fc.constantFrom([OPEN], [CLOSED], [CLOSED, OPEN]),
  },
  { requiredKeys: [] },
);

const arbEgressRules = fc
  .array(
    fc.tuple(
      fc.record(
        {
          action: fc.constantFrom('deny', 'allow', 'audit') as fc.Arbitrary<EgressRule['action']>,
          protocol: fc.constantFrom('tcp', 'udp', 'any') as fc.Arbitrary<EgressRule['protocol']>,
          priority: fc.integer({ min: 0, max: 3 }),
          cidr: arbCidr,
          ports: fc
            .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
            .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
        },
        { requiredKeys: ['action', 'protocol', 'priority'] },
      ),
      arbScope,
    ),
    { maxLength: 12 },
  )
  .map((rs) => rs.map(([r, s], i): EgressRule => ({ kind: 'egress', id: i + 1, ...r, ...s })));

const arbProcess = fc.record({
  uid: fc.constantFrom(0, 1000, 33),
  cgroupAncestors: fc.constantFrom(...ANCESTORS),
});

describe('egress compilation', () => {
  it('compiled tables decide as the rules read', () => {
    fc.assert(
      fc.property(
        arbEgressRules,
        fc.array(
          fc.record({
            addr: fc.oneof(
              fc.constantFrom(...ADDRS, '10.1.2.200', '::ffff:10.1.2.3', '8.8.8.8').map((a) => parseIp(a)!),
              fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => ({ family: 4 as const, bytes })),
            ),
            port: fc.integer({ min: 0, max: 110 }),
            protocol: fc.constantFrom(6, 17),
            proc: arbProcess,
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (rules, queries) => {
          const compiled = compileEgress(rules, opts);
          for (const { proc, ...q } of queries) {
            const query = { ...q, ...proc };
            assert.deepEqual(decideCompiledEgress(compiled, query), decideEgress(rules, query, opts));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('priority, then allow before deny before audit, then id', () => {
    const rule = (id: number, action: EgressRule['action'], priority: number): EgressRule => ({
      kind: 'egress',
      id,
      action,
      priority,
      protocol: 'any',
    });
    const q = { addr: parseIp('10.0.0.1')!, port: 443, protocol: 6, uid: 0, cgroupAncestors: [1] };
    const c = compileEgress([rule(1, 'deny', 10), rule(2, 'allow', 10), rule(3, 'audit', 5)], opts);
    assert.deepEqual(decideCompiledEgress(c, q), { verdict: 'audit', ruleId: 3 });
    const d = compileEgress([rule(1, 'deny', 10), rule(2, 'allow', 10)], opts);
    assert.deepEqual(decideCompiledEgress(d, q), { verdict: 'allow', ruleId: 2 });
  });

  it('a rule whose cgroup is missing is left out and reported', () => {
    const r: EgressRule = {
      kind: 'egress',
      id: 4,
      action: 'deny',
      priority: 1,
      protocol: 'any',
      cgroup: '/gone',
    };
    const c = compileEgress([r], opts);
    assert.equal(c.rules.length, 0);
    assert.deepEqual(c.problems, [{ id: 4, reason: 'cgroup /gone does not exist' }]);
  });

  it('the fingerprint ignores only the active bits', () => {
    const base: EgressRule = { kind: 'egress', id: 1, action: 'deny', priority: 1, protocol: 'any' };
    const a = compileEgress([{ ...base, windows: [OPEN] }], opts);
    const b = compileEgress([{ ...base, windows: [CLOSED] }], opts);
    const c = compileEgress([{ ...base, protocol: 'tcp' }], opts);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.rules[0]?.active, b.rules[0]?.active);
    assert.notEqual(a.fingerprint, c.fingerprint);
  });
});

const SHA_A = 'a'.repeat(64);
const SHA_B = '0123456789abcdef'.repeat(4);

const arbExecRules = fc
  .array(
    fc.tuple(
      fc.record(
        {
          action: fc.constantFrom('kill', 'audit') as fc.Arbitrary<ExecRule['action']>,
          priority: fc.integer({ min: 0, max: 3 }),
          path: fc.constantFrom('/usr/bin/nc', '/bin/nc', '/usr/bin/curl'),
          binary: fc.constantFrom('/usr/bin/nc', '/usr/bin/curl', '/usr/bin/missing'),
          sha256: fc.constantFrom(SHA_A, SHA_B),
        },
        { requiredKeys: ['action', 'priority'] },
      ),
      arbScope,
    ),
    { maxLength: 10 },
  )
  .map((rs) =>
    rs
      .map(([r, s], i): ExecRule => ({ kind: 'exec', id: i + 1, ...r, ...s }))
      .filter((r) => r.path !== undefined || r.binary !== undefined || r.sha256 !== undefined),
  );

describe('exec compilation', () => {
  it('compiled tables decide as the rules read', () => {
    fc.assert(
      fc.property(
        arbExecRules,
        fc.array(
          fc.record({
            path: fc.constantFrom('/usr/bin/nc', '/bin/nc', '/usr/bin/ncat', '/usr/bin/curl', '/bin/sh'),
            sha256: fc.option(fc.constantFrom(SHA_A, SHA_B, 'f'.repeat(64)), { nil: undefined }),
            proc: arbProcess,
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (rules, queries) => {
          const compiled = compileExec(rules, opts);
          for (const { proc, path, sha256 } of queries) {
            const query = { path, binary: BINARIES[path], sha256, ...proc };
            assert.deepEqual(decideCompiledExec(compiled, query), decideExec(rules, query, opts));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("a hard link of a binary rule is killed too; by path only the name as exec'd", () => {
    const byBinary: ExecRule = { kind: 'exec', id: 1, action: 'kill', priority: 1, binary: '/usr/bin/nc' };
    const byPath: ExecRule = { kind: 'exec', id: 2, action: 'audit', priority: 1, path: '/usr/bin/curl' };
    const c = compileExec([byBinary, byPath], opts);
    const q = (path: string) => ({ path, binary: BINARIES[path], uid: 0, cgroupAncestors: [1] });
    assert.deepEqual(decideCompiledExec(c, q('/usr/bin/ncat')), { verdict: 'kill', ruleId: 1 });
    assert.deepEqual(decideCompiledExec(c, q('/usr/bin/curl')), { verdict: 'audit', ruleId: 2 });
    assert.deepEqual(decideCompiledExec(c, { ...q('/bin/curl'), binary: undefined }), {
      verdict: 'allow',
      ruleId: null,
    });
  });
});

describe('exec content rules', () => {
  it('a copy under any name matches by content; a binary rule does not follow a copy', () => {
    const bySha: ExecRule = { kind: 'exec', id: 1, action: 'kill', priority: 1, sha256: SHA_A };
    const byBinary: ExecRule = { kind: 'exec', id: 2, action: 'kill', priority: 1, binary: '/usr/bin/nc' };
    const c = compileExec([bySha, byBinary], opts);
    assert.deepEqual(c.sha256s, [{ sha256: SHA_A, slots: [0] }]);
    const copy = { path: '/tmp/x', binary: { inode: 999, dev: 1 }, uid: 0, cgroupAncestors: [1] };
    assert.deepEqual(decideCompiledExec(c, { ...copy, sha256: SHA_A }), { verdict: 'kill', ruleId: 1 });
    assert.deepEqual(decideCompiledExec(c, { ...copy, sha256: SHA_B }), { verdict: 'allow', ruleId: null });
  });

  it('validates the digest: 64 hex digits, stored lower-case', () => {
    const ok = execRuleFrom({ id: 1, action: 'kill', sha256: SHA_B.toUpperCase() });
    assert.ok('rule' in ok);
    assert.equal(ok.rule.sha256, SHA_B);
    for (const [bad, why] of [
      ['abc', /64 hex digits.*got 3/],
      [`${'a'.repeat(63)}g`, /only 0-9 and a-f/],
      [`${'a'.repeat(64)} `, /only 0-9 and a-f/],
      ['a'.repeat(65), /got 65/],
    ] as const) {
      const r = execRuleFrom({ id: 1, action: 'kill', sha256: bad });
      assert.ok('issues' in r, bad);
      assert.equal(r.issues[0]?.field, 'sha256');
      assert.match(r.issues[0]?.message ?? '', why);
    }
  });
});

describe('rule input', () => {
  it('names each bad field', () => {
    const r = egressRuleFrom({
      id: 1,
      action: 'deny',
      cidr: '10.1.0.0/8',
      ports: '90-80',
      cgroup: 'x',
      windows: ['Mon'],
    });
    assert.ok('issues' in r);
    assert.deepEqual(
      r.issues.map((i) => i.field),
      ['cgroup', 'windows.0', 'cidr', 'ports'],
    );
    const e = execRuleFrom({ id: 2, action: 'kill' });
    assert.ok('issues' in e);
    assert.match(e.issues[0]?.message ?? '', /needs a path/);
    const rel = execRuleFrom({ id: 2, action: 'kill', path: 'nc' });
    assert.ok('issues' in rel && /absolute/.test(rel.issues[0]?.message ?? ''));
  });

  it('fills defaults and drops a full port range', () => {
    const r = egressRuleFrom({ id: 1, action: 'deny', ports: '0-65535', cgroup: '/a/' });
    assert.ok('rule' in r);
    assert.deepEqual(r.rule, {
      kind: 'egress',
      id: 1,
      action: 'deny',
      protocol: 'any',
      priority: 100,
      cgroup: '/a',
    });
  });
});
