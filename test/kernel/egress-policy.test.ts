/**
 * The egress policy in the running kernel: processes moved into a cgroup of
 * the test's own connect to loopback listeners of the test; a deny rule
 * scoped to that cgroup makes their connect() and UDP sends fail with EPERM,
 * while a process in another cgroup reaches the same listener. Decisions
 * arrive as policy records naming the rule.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EgressRule } from '../../src/domain/enforce/policy/rule.ts';
import { type EgressRuleInput, egressRuleFrom } from '../../src/domain/enforce/policy/rule-input.ts';
import { fixedOffsetClock } from '../../src/domain/enforce/policy/time-window.ts';
import { nativeBridge } from '../../src/ebpf/index.ts';
import { EgressPolicy } from '../../src/enforce/egress/egress-policy.ts';
import { eventsPinPath } from '../../src/host/enforce-pins.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import {
  makeCgroup,
  PolicyRingReader,
  runInCgroup,
  type TestCgroup,
  testPinRoot,
} from '../support/policy-env.ts';
import { eventually } from '../support/spawn.ts';

/** A client that tries once and prints what happened: {"ok":true} or {"code":"EPERM"}. */
const CLIENT = `
const [proto, host, port] = process.argv.slice(2);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
if (proto === 'tcp') {
  const s = require('node:net').connect({ host, port: Number(port) });
  s.on('connect', () => { s.end(); done({ ok: true }); });
  s.on('error', (e) => done({ code: e.code }));
} else {
  const s = require('node:dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.send('bpfwarden', Number(port), host, (e) => done(e ? { code: e.code } : { ok: true }));
}
setTimeout(() => done({ code: 'TIMEOUT' }), 5000);
`;

function rule(i: Partial<EgressRuleInput> & Pick<EgressRuleInput, 'id' | 'action'>): EgressRule {
  const r = egressRuleFrom(i);
  assert.ok('rule' in r, JSON.stringify(r));
  return r.rule;
}

async function listen(host: string): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer((s) => s.on('error', () => {}).end());
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

describe('egress policy', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-egress-'));
  const client = join(dir, 'client.cjs');
  const pinRoot = testPinRoot('egress');
  let policed: TestCgroup;
  let other: TestCgroup;
  let rules: EgressRule[] = [];
  let nowMs = Date.UTC(2026, 10, 23, 10, 0); // Monday 10:00 UTC
  let policy: EgressPolicy;
  let ring: PolicyRingReader | undefined;
  const servers: { close: () => Promise<void> }[] = [];
  let tcp4: number;
  let tcp6: number;
  let udpPort: number;

  const connect = (cg: TestCgroup, proto: 'tcp' | 'udp', host: string, port: number) =>
    runInCgroup(cg.path, [process.execPath, client, proto, host, String(port)]).then((r) => ({
      pid: r.pid,
      result: JSON.parse(r.stdout || '{}') as { ok?: boolean; code?: string },
    }));

  before(async () => {
    writeFileSync(client, CLIENT);
    policed = makeCgroup('egress');
    other = makeCgroup('egress-other');
    const s4 = await listen('127.0.0.1');
    const s6 = await listen('::1');
    servers.push(s4, s6);
    tcp4 = s4.port;
    tcp6 = s6.port;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    servers.push({ close: () => new Promise<void>((resolve) => udp.close(() => resolve())) });
    policy = new EgressPolicy({
      bridge: nativeBridge(),
      pinRoot,
      rules: () => rules,
      clock: fixedOffsetClock(0),
      now: () => nowMs,
      eventsPerSecondPerRule: 0,
    });
  });

  after(async () => {
    ring?.close();
    try {
      policy?.close({ unload: true });
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
      await policed?.remove();
      await other?.remove();
      for (const s of servers) await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a denied connect() fails with EPERM in the policed cgroup only, and is recorded', async () => {
    rules = [
      rule({
        id: 101,
        action: 'deny',
        cidr: '127.0.0.1/32',
        ports: tcp4,
        protocol: 'tcp',
        cgroup: policed.path,
      }),
      rule({ id: 102, action: 'deny', cidr: '::1/128', ports: tcp6, protocol: 'tcp', cgroup: policed.path }),
      rule({
        id: 103,
        action: 'deny',
        cidr: '127.0.0.0/8',
        ports: udpPort,
        protocol: 'udp',
        cgroup: policed.path,
      }),
    ];
    const r = policy.apply();
    assert.equal(r.loaded, true, 'loaded and pinned on first apply');
    assert.equal(r.mode, 'swapped');
    assert.deepEqual(r.problems, []);
    ring = new PolicyRingReader(eventsPinPath(pinRoot, 'egress'));

    const denied = await connect(policed, 'tcp', '127.0.0.1', tcp4);
    assert.deepEqual(denied.result, { code: 'EPERM' });
    const allowed = await connect(other, 'tcp', '127.0.0.1', tcp4);
    assert.deepEqual(allowed.result, { ok: true }, 'another cgroup reaches the same listener');

    const e = await eventually('policy record of the denied connect', () =>
      ring?.poll().find((x) => x.pid === denied.pid && x.ruleId === 101),
    );
    assert.equal(e.type, 'policy_egress');
    assert.equal(e.action, 'denied');
    assert.equal(e.dstAddr, '127.0.0.1');
    assert.equal(e.dstPort, tcp4);
    assert.equal(e.protocol, 6);
    assert.equal(e.family, 4);
    assert.equal(e.ppid > 0, true);
    assert.ok(!ring.events.some((x) => x.pid === allowed.pid), 'nothing recorded for the allowed process');
  });

  test('IPv6 connects and UDP sends are denied too', async () => {
    const v6 = await connect(policed, 'tcp', '::1', tcp6);
    assert.deepEqual(v6.result, { code: 'EPERM' });
    assert.deepEqual((await connect(other, 'tcp', '::1', tcp6)).result, { ok: true });
    const udp = await connect(policed, 'udp', '127.0.0.1', udpPort);
    assert.deepEqual(udp.result, { code: 'EPERM' }, 'sendmsg to the denied port');
    assert.deepEqual((await connect(other, 'udp', '127.0.0.1', udpPort)).result, { ok: true });
    const e6 = await eventually('IPv6 record', () =>
      ring?.poll().find((x) => x.pid === v6.pid && x.ruleId === 102),
    );
    assert.deepEqual([e6.family, e6.dstAddr, e6.dstPort], [6, '::1', tcp6]);
    const eu = await eventually('UDP record', () =>
      ring?.poll().find((x) => x.pid === udp.pid && x.ruleId === 103),
    );
    assert.deepEqual([eu.protocol, eu.dstAddr, eu.dstPort], [17, '127.0.0.1', udpPort]);
  });

  test('an IPv4-mapped destination on a dual-stack socket meets the IPv4 rule', async () => {
    const mapped = await connect(policed, 'tcp', '::ffff:127.0.0.1', tcp4);
    assert.deepEqual(mapped.result, { code: 'EPERM' });
    const e = await eventually('mapped record', () =>
      ring?.poll().find((x) => x.pid === mapped.pid && x.ruleId === 101),
    );
    assert.equal(e.dstAddr, '127.0.0.1');
  });

  test('allow at equal priority overrides deny; audit records and allows; changes swap atomically', async () => {
    rules = [
      ...rules,
      rule({ id: 104, action: 'allow', cidr: '127.0.0.1/32', ports: tcp4, cgroup: policed.path }),
      rule({ id: 105, action: 'audit', cidr: '::1/128', ports: tcp6, priority: 50 }),
    ];
    const r = policy.apply();
    assert.equal(r.mode, 'swapped');
    assert.equal(r.loaded, false, 'already pinned: only the tables change');
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { ok: true });
    const audited = await connect(policed, 'tcp', '::1', tcp6);
    assert.deepEqual(
      audited.result,
      { ok: true },
      'the audit rule (priority 50) comes before the deny (100)',
    );
    const e = await eventually('audit record', () =>
      ring?.poll().find((x) => x.pid === audited.pid && x.ruleId === 105),
    );
    assert.equal(e.action, 'audited');
  });

  test('a time window flips the rule in place; outside it the rule does not apply', async () => {
    rules = [
      rule({
        id: 106,
        action: 'deny',
        cidr: '127.0.0.1',
        ports: tcp4,
        cgroup: policed.path,
        windows: ['Mon 09:00-11:00'],
      }),
    ];
    nowMs = Date.UTC(2026, 10, 23, 10, 0);
    const inWindow = policy.apply();
    assert.equal(inWindow.mode, 'swapped');
    assert.equal(inWindow.active, 1);
    assert.equal(inWindow.nextEdgeMs, Date.UTC(2026, 10, 23, 11, 0));
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { code: 'EPERM' });
    nowMs = Date.UTC(2026, 10, 23, 11, 0);
    const outside = policy.apply();
    assert.equal(outside.mode, 'windows', 'same rules: only the active byte changes');
    assert.equal(outside.active, 0);
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { ok: true });
  });

  test('with scheduleWindows the component flips the rule itself at the edge', async () => {
    rules = [
      rule({
        id: 108,
        action: 'deny',
        cidr: '127.0.0.1',
        ports: tcp4,
        cgroup: policed.path,
        windows: ['Mon 09:00-11:00'],
      }),
    ];
    // A clock that runs in real time from 200 ms before the window closes.
    const start = Date.now();
    const base = Date.UTC(2026, 10, 23, 10, 59, 59, 800);
    const timed = new EgressPolicy({
      bridge: nativeBridge(),
      pinRoot,
      rules: () => rules,
      clock: fixedOffsetClock(0),
      now: () => base + (Date.now() - start),
      scheduleWindows: true,
    });
    try {
      const r = timed.apply();
      assert.equal(r.active, 1);
      assert.equal(r.nextEdgeMs, Date.UTC(2026, 10, 23, 11, 0));
      assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { code: 'EPERM' });
      let allowed = false;
      for (const until = Date.now() + 5000; !allowed && Date.now() < until; ) {
        allowed = (await connect(policed, 'tcp', '127.0.0.1', tcp4)).result.ok === true;
      }
      assert.ok(allowed, 'the rule switched off at 11:00 by the timer');
    } finally {
      timed.close({ unload: false });
    }
  });

  test('a component whose pins were replaced by another process writes to the new maps', async () => {
    rules = [rule({ id: 109, action: 'deny', cidr: '127.0.0.1', ports: tcp4, cgroup: policed.path })];
    policy.apply(); // maps open in `policy`
    const other = new EgressPolicy({ bridge: nativeBridge(), pinRoot, rules: () => rules });
    other.close({ unload: true }); // gone...
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { ok: true });
    const again = policy.apply(); // ...and loaded again by the first component
    assert.equal(again.loaded, true);
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { code: 'EPERM' });
    ring?.close();
    ring = new PolicyRingReader(eventsPinPath(pinRoot, 'egress'));
  });

  test('records are rate-limited per rule; the next one carries the count suppressed', async () => {
    nowMs = Date.UTC(2026, 10, 23, 10, 0);
    rules = [rule({ id: 107, action: 'deny', cidr: '127.0.0.1', ports: tcp4, cgroup: policed.path })];
    const limited = new EgressPolicy({
      bridge: nativeBridge(),
      pinRoot,
      rules: () => rules,
      eventsPerSecondPerRule: 1,
    });
    try {
      limited.apply();
    } finally {
      limited.close({ unload: false });
    }
    // One process makes five attempts within a second: the first is recorded, four are suppressed.
    const burst = `
      const net = require('node:net');
      let left = 5;
      const once = () => net.connect(${tcp4}, '127.0.0.1').on('error', () => (--left > 0 ? once() : process.exit(0)));
      once();`;
    const r = await runInCgroup(policed.path, [process.execPath, '-e', burst]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const next = await connect(policed, 'tcp', '127.0.0.1', tcp4);
    assert.deepEqual(next.result, { code: 'EPERM' }, 'every attempt is denied, recorded or not');
    const carried = await eventually('the record after the burst', () =>
      ring?.poll().find((x) => x.pid === next.pid && x.ruleId === 107),
    );
    const fromBurst = ring?.events.filter((x) => x.pid === r.pid && x.ruleId === 107) ?? [];
    assert.equal(fromBurst.length, 1, 'one record of five attempts');
    assert.equal(carried.suppressed, 4);
    policy.apply(); // back to no limit for the tests below
  });

  test("pins outlive this process's handles; unload detaches", async () => {
    nowMs = Date.UTC(2026, 10, 23, 10, 0);
    policy.apply();
    policy.close({ unload: false });
    assert.deepEqual(
      (await connect(policed, 'tcp', '127.0.0.1', tcp4)).result,
      { code: 'EPERM' },
      'still enforced after close without unload',
    );
    ring?.close();
    ring = undefined;
    const again = new EgressPolicy({ bridge: nativeBridge(), pinRoot, rules: () => [] });
    again.close({ unload: true });
    assert.deepEqual((await connect(policed, 'tcp', '127.0.0.1', tcp4)).result, { ok: true });
  });
});
