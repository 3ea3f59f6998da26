/**
 * Reconcile against real drift: each case is made by hand (unpin, detach,
 * delete a tc filter, delete a DB row, lose every pin as after a reboot, lose
 * the object file) and `bpfwarden reconcile` restores or reports it. The agent
 * reconciles at start the same way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import {
  buildTestObjects,
  readCounter,
  type Sandbox,
  sandbox,
  sh,
  TEST_BPF,
  type VethPair,
  vethPair,
} from '../support/manager-env.ts';
import { eventually, run } from '../support/spawn.ts';

interface Prog {
  id: number;
  kernelId: number;
  pin: string;
  object: { id: number };
}
interface LinkJson {
  id: number;
  kernelId: number | null;
  pin: string | null;
}
interface ActionJson {
  type: string;
  ok?: boolean;
  error?: string;
  linkId?: number;
  path?: string;
}

describe('program manager reconcile (drift made by hand)', { skip: kernelSkip }, () => {
  let sb: Sandbox;
  let net: VethPair;
  let spare: string;
  const p: Record<string, Prog> = {};
  const l: Record<string, LinkJson> = {};

  const counter = (kind: string): bigint =>
    readCounter(join(sb.pinRoot, 'objects', String(p[kind]?.object.id), 'maps', 'counter'));
  const plan = (): ActionJson[] => sb.json<ActionJson>(['reconcile', '--dry-run']);
  const apply = (): ActionJson[] => {
    const done = sb.json<ActionJson>(['reconcile']);
    for (const a of done) assert.ok(a.ok, `${a.type} failed: ${a.error}`);
    return done;
  };
  const kernelLinkIds = (): Set<number> =>
    new Set(sb.json<{ id: number }>(['kernel', 'links']).map((x) => x.id));
  const kernelProgIds = (): Set<number> =>
    new Set(sb.json<{ id: number }>(['kernel', 'progs']).map((x) => x.id));
  async function grows(kind: string, act: () => Promise<void>): Promise<void> {
    const before = counter(kind);
    await act();
    await eventually(`${kind} counter to grow`, () => (counter(kind) > before ? true : undefined), 5000);
  }
  const exec = async (): Promise<void> => void (await run('/bin/true'));
  const packets = async (): Promise<void> => net.send(3);

  function load(kind: string, file: string, ...attach: string[]): void {
    const [prog] = sb.json<Prog>(['prog', 'load', file]);
    assert.ok(prog);
    p[kind] = prog;
    const [link] = sb.json<LinkJson>(['link', 'attach', String(prog.id), ...attach]);
    assert.ok(link);
    l[kind] = link;
  }

  before(() => {
    buildTestObjects();
    spare = mkdtempSync(join(tmpdir(), 'bpfwarden-objs-'));
    sb = sandbox([spare]);
    net = vethPair();
    load('tp', join(TEST_BPF, 'mgr_tp.bpf.o'), 'tracepoint', 'sched/sched_process_exec');
    load('rawtp', join(TEST_BPF, 'mgr_rawtp.bpf.o'), 'raw-tracepoint', 'sched_process_exec');
    load('xdp', join(TEST_BPF, 'mgr_xdp.bpf.o'), 'xdp', net.host, '--mode', 'skb');
    load('tc', join(TEST_BPF, 'mgr_tc.bpf.o'), 'tc', net.host, '--direction', 'ingress', '--priority', '9');
  });

  after(() => {
    for (const prog of Object.values(p)) sb.cli(['prog', 'unload', String(prog.id), '--db', sb.db]);
    net?.cleanup();
    sb?.cleanup();
    rmSync(spare, { recursive: true, force: true });
  });

  test('no drift: nothing to do', () => {
    assert.deepEqual(plan(), []);
  });

  test('a link pin removed by hand: the link is attached again and runs', async () => {
    const old = l.tp?.kernelId ?? -1;
    rmSync(l.tp?.pin ?? '');
    assert.ok(!kernelLinkIds().has(old), 'unpinning released the link');
    assert.deepEqual(
      plan().map((a) => a.type),
      ['reattach-link'],
    );
    apply();
    assert.ok(existsSync(l.tp?.pin ?? ''));
    await grows('tp', exec);
    assert.deepEqual(plan(), []);
  });

  test('a program pin removed by hand while its link holds it: re-pinned with the same id', () => {
    rmSync(p.tp?.pin ?? '');
    assert.ok(kernelProgIds().has(p.tp?.kernelId ?? -1), 'the link keeps the program alive');
    assert.deepEqual(
      plan().map((a) => a.type),
      ['repin-program'],
    );
    apply();
    assert.ok(existsSync(p.tp?.pin ?? ''));
    assert.deepEqual(plan(), []);
  });

  test('an XDP link detached by hand (bpftool link detach): attached again', async () => {
    const [link] = sb.json<LinkJson>(['link', 'get', String(l.xdp?.id)]);
    sh('bpftool', ['link', 'detach', 'id', String(link?.kernelId)]);
    const actions = plan();
    assert.deepEqual(
      actions.map((a) => a.type),
      ['reattach-link'],
    );
    apply();
    await grows('xdp', packets);
    assert.deepEqual(plan(), []);
  });

  test('a tc filter deleted by hand: attached again with its priority and handle', async () => {
    sh('tc', ['filter', 'del', 'dev', net.host, 'ingress']);
    assert.deepEqual(
      plan().map((a) => a.type),
      ['reattach-link'],
    );
    apply();
    const shown = spawnSync('tc', ['filter', 'show', 'dev', net.host, 'ingress'], {
      encoding: 'utf8',
    }).stdout;
    assert.match(shown, /pref 9 bpf .*handle 0x1 count_tc/);
    await grows('tc', packets);
  });

  test('a link row deleted from the database: its stray pin is removed and the link leaves the kernel', () => {
    const link = l.rawtp;
    const db = new DatabaseSync(sb.db);
    db.prepare('DELETE FROM manager_links WHERE id = ?').run(link?.id ?? -1);
    db.close();
    const actions = plan();
    assert.deepEqual(
      actions.map((a) => [a.type, a.path]),
      [['remove-stray-pin', link?.pin]],
    );
    apply();
    assert.ok(!kernelLinkIds().has(link?.kernelId ?? -1));
    assert.deepEqual(plan(), []);
  });

  test('every pin of an object gone (as after a reboot): reloaded from its file, re-pinned, re-attached', async () => {
    const oldId = p.tp?.kernelId ?? -1;
    rmSync(join(sb.pinRoot, 'objects', String(p.tp?.object.id)), { recursive: true });
    rmSync(l.tp?.pin ?? '');
    assert.ok(!kernelProgIds().has(oldId), 'the program left the kernel');
    assert.deepEqual(
      plan().map((a) => a.type),
      ['reload-object', 'reattach-link'],
    );
    apply();
    const [now] = sb.json<Prog & { loaded: boolean }>(['prog', 'get', String(p.tp?.id)]);
    assert.ok(now?.loaded);
    assert.notEqual(now?.kernelId, oldId);
    await grows('tp', exec);
    assert.deepEqual(plan(), []);
  });

  test('a program removed by someone else whose object file is gone: forgotten, and reported', () => {
    const file = join(spare, 'mgr_spare.bpf.o');
    copyFileSync(join(TEST_BPF, 'mgr_rawtp.bpf.o'), file);
    load('spare', file, 'raw-tracepoint', 'sched_process_exec');
    rmSync(file);
    rmSync(join(sb.pinRoot, 'objects', String(p.spare?.object.id)), { recursive: true });
    rmSync(l.spare?.pin ?? '');
    const actions = plan();
    assert.deepEqual(
      actions.map((a) => a.type),
      ['forget-object'],
    );
    apply();
    assert.equal(sb.cli(['prog', 'get', String(p.spare?.id), '--db', sb.db]).status, 1);
    delete p.spare;
    assert.deepEqual(plan(), []);
  });

  test('the agent reconciles at start: a link unpinned while it was down is attached again', async () => {
    rmSync(l.tp?.pin ?? '');
    const saved = { dirs: process.env.BPFWARDEN_PROGRAM_DIRS, root: process.env.BPFWARDEN_PIN_ROOT };
    process.env.BPFWARDEN_PROGRAM_DIRS = sb.env.BPFWARDEN_PROGRAM_DIRS;
    process.env.BPFWARDEN_PIN_ROOT = sb.pinRoot;
    try {
      const agent = await startAgent(['--db', sb.db]);
      const stopped = await agent.stop();
      assert.equal(stopped.code, 0, agent.stderr());
      assert.match(agent.stderr(), /program manager: reattach link \d+/);
    } finally {
      process.env.BPFWARDEN_PROGRAM_DIRS = saved.dirs;
      process.env.BPFWARDEN_PIN_ROOT = saved.root;
      if (saved.dirs === undefined) delete process.env.BPFWARDEN_PROGRAM_DIRS;
      if (saved.root === undefined) delete process.env.BPFWARDEN_PIN_ROOT;
    }
    assert.ok(existsSync(l.tp?.pin ?? ''));
    await grows('tp', exec);
    assert.deepEqual(plan(), []);
  });
});
