/**
 * The exec policy in the running kernel: a copy of touch(1) at a temp path
 * tries to create a marker file. Under a kill rule it dies by SIGKILL before
 * running one instruction (the marker never appears); outside the rule's
 * scope, or under an audit rule, it runs. Decisions arrive as policy records.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExecRule } from '../../src/domain/enforce/policy/rule.ts';
import { type ExecRuleInput, execRuleFrom } from '../../src/domain/enforce/policy/rule-input.ts';
import { nativeBridge } from '../../src/ebpf/index.ts';
import { ExecPolicy } from '../../src/enforce/exec/exec-policy.ts';
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

const NOBODY = 65534;

function rule(i: Partial<ExecRuleInput> & Pick<ExecRuleInput, 'id' | 'action'>): ExecRule {
  const r = execRuleFrom(i);
  assert.ok('rule' in r, JSON.stringify(r));
  return r.rule;
}

describe('exec policy', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-exec-'));
  const bin = join(dir, 'bw-touch');
  const hardLink = join(dir, 'renamed-touch');
  const pinRoot = testPinRoot('exec');
  let policed: TestCgroup;
  let other: TestCgroup;
  let rules: ExecRule[] = [];
  let policy: ExecPolicy;
  let ring: PolicyRingReader | undefined;
  let n = 0;

  /** Runs the binary (in a cgroup, or as another uid) to create a fresh marker; says whether it did. */
  async function attempt(where: { cgroup?: TestCgroup; uid?: number; path?: string }) {
    const marker = join(dir, `marker-${n++}`);
    const argv = [where.path ?? bin, marker];
    const r =
      where.uid === undefined
        ? await runInCgroup(where.cgroup?.path, argv)
        : await runInCgroup(undefined, [
            'setpriv',
            `--reuid=${where.uid}`,
            `--regid=${where.uid}`,
            '--clear-groups',
            ...argv,
          ]);
    return { pid: r.pid, signal: r.signal, code: r.code, created: existsSync(marker) };
  }

  before(() => {
    copyFileSync('/usr/bin/touch', bin);
    chmodSync(bin, 0o755);
    chmodSync(dir, 0o777); // the marker is written as another uid too
    linkSync(bin, hardLink);
    policed = makeCgroup('exec');
    other = makeCgroup('exec-other');
    policy = new ExecPolicy({
      bridge: nativeBridge(),
      pinRoot,
      rules: () => rules,
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
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a binary denied by path is killed before doing any work; elsewhere it runs', async () => {
    rules = [rule({ id: 201, action: 'kill', path: bin, cgroup: policed.path })];
    const r = policy.apply();
    assert.equal(r.loaded, true);
    ring = new PolicyRingReader(eventsPinPath(pinRoot, 'exec'));

    const killed = await attempt({ cgroup: policed });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(killed.created, false, 'the marker never appeared');
    const ran = await attempt({ cgroup: other });
    assert.deepEqual([ran.code, ran.created], [0, true], 'another cgroup runs it');

    const e = await eventually('policy record of the kill', () =>
      ring?.poll().find((x) => x.pid === killed.pid && x.ruleId === 201),
    );
    const st = statSync(bin);
    assert.equal(e.type, 'policy_exec');
    assert.equal(e.action, 'denied');
    assert.equal(e.path, bin);
    assert.equal(e.inode, st.ino);
    assert.equal(e.dev, st.dev);
    assert.ok(!ring.events.some((x) => x.pid === ran.pid), 'nothing recorded for the process that ran');
  });

  test('by binary identity: a hard link under another name is killed too, and only for its uid', async () => {
    rules = [rule({ id: 202, action: 'kill', binary: bin, uid: NOBODY })];
    assert.equal(policy.apply().mode, 'swapped');
    const killed = await attempt({ uid: NOBODY, path: hardLink });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(killed.created, false);
    const root = await attempt({ path: hardLink });
    assert.deepEqual([root.code, root.created], [0, true], 'uid 0 is not in the rule');
    const e = await eventually('record of the hard link kill', () =>
      ring?.poll().find((x) => x.pid === killed.pid && x.ruleId === 202),
    );
    assert.equal(e.path, hardLink, "the name as exec'd");
    assert.equal(e.uid, NOBODY);
  });

  test('audit lets it run and records it', async () => {
    rules = [rule({ id: 203, action: 'audit', path: bin })];
    policy.apply();
    const ran = await attempt({ cgroup: other });
    assert.deepEqual([ran.code, ran.created], [0, true]);
    const e = await eventually('audit record', () =>
      ring?.poll().find((x) => x.pid === ran.pid && x.ruleId === 203),
    );
    assert.equal(e.action, 'audited');
  });

  test('with no rules nothing is killed; unload removes every pin', async () => {
    rules = [];
    policy.apply();
    assert.equal((await attempt({ cgroup: policed })).created, true);
    ring?.close();
    ring = undefined;
    policy.close({ unload: true });
    assert.equal(existsSync(join(pinRoot, 'exec')), false);
  });
});
