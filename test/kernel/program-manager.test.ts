/**
 * The program manager end to end through the real CLI: test objects of every
 * attach kind are loaded, attached and pinned; each proves it runs (its counter
 * grows after real activity); a second run of the CLI finds everything still
 * attached; unload removes them from the kernel.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kernelSkip } from '../support/kernel-gate.ts';
import {
  buildTestObjects,
  readCounter,
  type Sandbox,
  sandbox,
  TEST_BPF,
  type VethPair,
  vethPair,
} from '../support/manager-env.ts';
import { eventually, run } from '../support/spawn.ts';

interface Prog {
  id: number;
  kernelId: number;
  name: string;
  type: string;
  loaded: boolean;
  object: { id: number };
}
interface LinkJson {
  id: number;
  programId: number;
  kind: string;
  kernelId: number | null;
  pin: string | null;
  spec: Record<string, unknown>;
}

const obj = (name: string): string => join(TEST_BPF, `mgr_${name}.bpf.o`);
const UPROBE_TARGET = join(TEST_BPF, 'uprobe_target');

describe('program manager (CLI)', { skip: kernelSkip }, () => {
  let sb: Sandbox;
  let net: VethPair;
  const cgroup = `/sys/fs/cgroup/unified/bwtest-${process.pid}`;
  const progs = new Map<string, Prog>();
  const links = new Map<string, LinkJson>();
  const counter = (kind: string): bigint => {
    const p = progs.get(kind);
    assert.ok(p, kind);
    return readCounter(join(sb.pinRoot, 'objects', String(p.object.id), 'maps', 'counter'));
  };

  /** Real activity for each kind; returns once done. */
  const activity: Record<string, () => Promise<void>> = {
    tp: async () => void (await run('/bin/true')),
    rawtp: async () => void (await run('/bin/true')),
    xdp: async () => net.send(3),
    tc: async () => net.send(3),
    cgroup: async () => {
      // A shell joins the test cgroup, then node creates a socket in it.
      const sock = "const s = require('node:dgram').createSocket('udp4'); s.bind(0, () => s.close())";
      await run('/bin/sh', [
        '-c',
        `echo $$ > ${cgroup}/cgroup.procs && exec ${process.execPath} -e "${sock}"`,
      ]);
    },
    uprobe: async () => void (await run(UPROBE_TARGET, ['5'])),
  };

  const attachArgs = (kind: string): string[] => {
    switch (kind) {
      case 'tp':
        return ['tracepoint', 'sched/sched_process_exec'];
      case 'rawtp':
        return ['raw-tracepoint', 'sched_process_exec'];
      case 'xdp':
        return ['xdp', net.host, '--mode', 'skb'];
      case 'tc':
        return ['tc', net.host, '--direction', 'ingress', '--priority', '7'];
      case 'cgroup':
        return ['cgroup', cgroup, '--attach-type', 'sock_create'];
      default:
        return ['uprobe', `${UPROBE_TARGET}:bw_probe_target`];
    }
  };

  async function grows(kind: string): Promise<void> {
    const before = counter(kind);
    await activity[kind]?.();
    await eventually(
      `${kind} counter to grow past ${before}`,
      () => (counter(kind) > before ? true : undefined),
      5000,
    );
  }

  before(() => {
    buildTestObjects();
    sb = sandbox();
    net = vethPair();
    mkdirSync(cgroup, { recursive: true });
  });

  after(() => {
    // Unload whatever a failed test left, then the sandbox.
    for (const p of progs.values()) sb.cli(['prog', 'unload', String(p.id), '--db', sb.db]);
    net?.cleanup();
    if (existsSync(cgroup)) rmdirSync(cgroup);
    sb?.cleanup();
  });

  const KINDS = ['tp', 'rawtp', 'xdp', 'tc', 'cgroup', 'uprobe'];

  test('objects outside the allowed directories and non-BPF files are refused with one clear error', () => {
    const outside = sb.cli(['prog', 'load', '/bin/true', '--db', sb.db]);
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /not in an allowed directory/);
    assert.equal(outside.stderr.trim().split('\n').length, 1);
    const notBpf = sandbox([join('/', 'usr', 'bin')]);
    try {
      const r = notBpf.cli(['prog', 'load', '/usr/bin/env', '--db', notBpf.db]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /ELF file for another machine/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    } finally {
      notBpf.cleanup();
    }
  });

  test('a program the verifier rejects fails with the verifier log tail and leaves nothing behind', () => {
    const r = sb.cli(['prog', 'load', obj('bad'), '--db', sb.db]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /verifier log/);
    assert.match(r.stderr, /invalid access to packet/);
    assert.deepEqual(sb.json(['prog', 'list']), []);
    assert.ok(!existsSync(join(sb.pinRoot, 'objects', '1')), 'no pins left');
  });

  test('each kind loads, attaches, pins and runs', async () => {
    for (const kind of KINDS) {
      const [p] = sb.json<Prog>([
        'prog',
        'load',
        obj(kind),
        '--metadata',
        `kind=${kind}`,
        '--metadata',
        'suite=mgr',
      ]);
      assert.ok(p?.loaded, `${kind} loaded`);
      progs.set(kind, p);
      const [l] = sb.json<LinkJson>(['link', 'attach', String(p.id), ...attachArgs(kind)]);
      assert.ok(l, `${kind} attached`);
      links.set(kind, l);
      if (kind === 'tc') {
        assert.equal(l.pin, null, 'tc filters are not links');
        assert.equal(l.spec.priority, 7);
        assert.ok(Number(l.spec.handle) > 0);
      } else {
        assert.ok(l.pin && existsSync(l.pin), `${kind} link pinned`);
      }
      await grows(kind);
    }
    const listed = sb.json<Prog>(['prog', 'list', '--metadata', 'suite=mgr']);
    assert.equal(listed.length, KINDS.length);
    assert.deepEqual(
      sb.json<Prog>(['prog', 'list', '--type', 'xdp']).map((p) => p.name),
      ['count_xdp'],
    );
    assert.deepEqual(
      sb.json<Prog>(['prog', 'list', '--metadata', 'kind=tc']).map((p) => p.name),
      ['count_tc'],
    );
  });

  test('after the CLI exits everything stays attached: a new run finds no drift and the counters keep growing', async () => {
    const plan = sb.cli(['reconcile', '--dry-run', '--db', sb.db]);
    assert.equal(plan.status, 0, plan.stderr);
    assert.equal(plan.stdout.trim(), 'nothing to do');
    const kernelLinks = new Set(sb.json<{ id: number }>(['kernel', 'links']).map((l) => l.id));
    for (const [kind, l] of links)
      if (l.kernelId !== null) assert.ok(kernelLinks.has(l.kernelId), `${kind} link in kernel`);
    const tc = spawnSync('tc', ['filter', 'show', 'dev', net.host, 'ingress'], { encoding: 'utf8' }).stdout;
    assert.match(tc, /count_tc/);
    for (const kind of KINDS) await grows(kind);
    const all = sb.json<{ id: number; managedId: number | null }>(['prog', 'list', '--all']);
    for (const p of progs.values()) assert.equal(all.find((k) => k.id === p.kernelId)?.managedId, p.id);
  });

  test('kernel progs and maps list the managed objects like bpftool', () => {
    const kp = sb.json<{ id: number; type: string; tag: string; mapIds: number[]; runCount: number }>([
      'kernel',
      'progs',
    ]);
    const xdp = kp.find((k) => k.id === progs.get('xdp')?.kernelId);
    assert.equal(xdp?.type, 'xdp');
    assert.match(xdp?.tag ?? '', /^[0-9a-f]{16}$/);
    assert.ok((xdp?.mapIds.length ?? 0) >= 1);
    const maps = sb.json<{ id: number; name: string }>(['kernel', 'maps']);
    assert.ok(xdp?.mapIds.every((id) => maps.some((m) => m.id === id)));
  });

  test('unload detaches and removes every program from the kernel', () => {
    const kernelIds = [...progs.values()].map((p) => p.kernelId);
    const linkIds = [...links.values()].flatMap((l) => (l.kernelId === null ? [] : [l.kernelId]));
    for (const p of progs.values()) {
      const r = sb.cli(['prog', 'unload', String(p.id), '--db', sb.db]);
      assert.equal(r.status, 0, r.stderr);
    }
    progs.clear();
    const kp = new Set(sb.json<{ id: number }>(['kernel', 'progs']).map((k) => k.id));
    for (const id of kernelIds) assert.ok(!kp.has(id), `program ${id} gone`);
    const kl = new Set(sb.json<{ id: number }>(['kernel', 'links']).map((k) => k.id));
    for (const id of linkIds) assert.ok(!kl.has(id), `link ${id} gone`);
    const tc = spawnSync('tc', ['filter', 'show', 'dev', net.host, 'ingress'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(tc, /count_tc/);
    assert.deepEqual(sb.json(['link', 'list']), []);
    assert.deepEqual(existsSync(sb.pinRoot) ? readdirSync(join(sb.pinRoot, 'objects')) : [], []);
  });
});
