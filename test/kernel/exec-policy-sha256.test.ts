/**
 * Content (sha256) exec rules with the real agent and CLI: a copy of a
 * binary under another name, run by absolute or relative path, is killed
 * once the agent has hashed it, and the decision is stored with the rule id
 * and the pid; another binary runs and is not left stopped; a copy with one
 * byte appended is another content and runs (a content rule names exact
 * bytes); audit lets it run and stores the record; removed, the copy runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { EXEC_VERIFIER } from '../../src/domain/layout/policy-rules.ts';
import { nativeBridge } from '../../src/ebpf/index.ts';
import { PinnedMap } from '../../src/ebpf/pinned-map.ts';
import { BIN, type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { runInCgroup, testPinRoot } from '../support/policy-env.ts';
import { eventually } from '../support/spawn.ts';

interface Row {
  pid: number;
  rule_id: number;
  action: string;
  path: string | null;
}

describe('exec policy by content (sha256), with the agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-sha-'));
  const db = join(dir, 'bw.db');
  const pinRoot = testPinRoot('sha');
  const env = { ...process.env, BPFWARDEN_ENFORCE_PIN_ROOT: pinRoot, NO_COLOR: '1' };
  const original = join(dir, 'bw-true'); // the rule's file: a copy, so the system file's identity does not matter
  const copy = join(dir, 'renamed-copy');
  const relCopy = join(dir, 'rel-copy');
  const other = join(dir, 'bw-false');
  const grown = join(dir, 'one-byte-more');
  let agent: RunningAgent | undefined;

  const cli = (...args: string[]) => {
    const r = spawnSync(BIN, ['policy', ...args, '--db', db, '--json'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, `policy ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as { id: number; sha256?: string };
  };
  const rows = (ruleId: number): Row[] => {
    if (!existsSync(db)) return [];
    const conn = new DatabaseSync(db, { readOnly: true });
    try {
      return conn
        .prepare('SELECT pid, rule_id, action, path FROM policy_events WHERE rule_id = ?')
        .all(ruleId) as unknown as Row[];
    } catch {
      return [];
    } finally {
      conn.close();
    }
  };
  /** The kernel stops execs only with a fresh heartbeat: wait until the agent has attached to the pins. */
  const verifierLive = () =>
    eventually(
      'the agent heartbeat in the pinned verifier map',
      () => {
        const path = join(pinRoot, 'exec', 'verifier');
        if (!existsSync(path)) return undefined;
        const m = PinnedMap.open(nativeBridge(), path);
        try {
          const v = m.map.lookup(new Uint8Array(4));
          if (!v) return undefined;
          const d = new DataView(v.buffer, v.byteOffset);
          const beat = d.getBigUint64(EXEC_VERIFIER.fields.heartbeat_ns.offset, true);
          const tgid = d.getUint32(EXEC_VERIFIER.fields.tgid.offset, true);
          return beat > 0n && tgid === agent?.child.pid ? true : undefined;
        } finally {
          m.close();
        }
      },
      8000,
    );

  before(async () => {
    copyFileSync('/usr/bin/true', original);
    copyFileSync(original, copy);
    copyFileSync(original, relCopy);
    copyFileSync('/usr/bin/false', other);
    copyFileSync(original, grown);
    appendFileSync(grown, Buffer.from([0]));
    for (const f of [original, copy, relCopy, other, grown]) chmodSync(f, 0o755);
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `database: ${db}`,
        `runtimeDir: ${join(dir, 'run')}`,
        'monitors:',
        '  file: { enabled: false }',
        '  net: { enabled: false }',
        '  drop: { enabled: false }',
        '  dns: { enabled: false }',
        '  process: { enabled: false }',
        `  policy: { pinRoot: ${pinRoot}, rescanIntervalMs: 200 }`,
        '',
      ].join('\n'),
    );
    agent = await startAgent(['--config', config], 15_000, { BPFWARDEN_ENFORCE_PIN_ROOT: pinRoot });
  });

  after(async () => {
    try {
      await agent?.stop();
      spawnSync(BIN, ['policy', 'unload', '--db', db], { env });
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  let killRule = 0;

  test('a copy under another name is killed, by absolute and by relative path; the decision is stored', async () => {
    const added = cli('add', 'exec', '--kill', '--sha256-of', original);
    killRule = added.id;
    assert.match(added.sha256 ?? '', /^[0-9a-f]{64}$/);
    await verifierLive();

    const abs = await runInCgroup(undefined, [copy]);
    assert.equal(abs.signal, 'SIGKILL', `absolute path: ${JSON.stringify(abs)}`);
    // Relative, another copy (hashed by the agent too): ./rel-copy with the temp dir as cwd.
    const rel = spawnSync('sh', ['-c', 'exec ./rel-copy'], { cwd: dir });
    assert.equal(rel.signal, 'SIGKILL', 'relative path');
    // Again: now the kernel knows the file's verdict and kills it without asking.
    const again = await runInCgroup(undefined, [copy]);
    assert.equal(again.signal, 'SIGKILL', 'the verdict in the kernel');

    const stored = await eventually('the kill in the store', () =>
      rows(killRule).find((r) => r.pid === abs.pid),
    );
    assert.deepEqual([stored.action, stored.path], ['denied', copy]);
    await eventually('the relative-path kill in the store', () =>
      rows(killRule).find((r) => r.pid === rel.pid && r.path === './rel-copy'),
    );
    await eventually('the kernel-decided kill in the store', () =>
      rows(killRule).find((r) => r.pid === again.pid),
    );
  });

  test('another binary runs and is not left stopped; one appended byte is other content and runs', async () => {
    const started = Date.now();
    const ran = await runInCgroup(undefined, [other], 5000);
    assert.deepEqual([ran.code, ran.signal], [1, null], 'false(1) ran to its exit status');
    assert.ok(Date.now() - started < 4000, 'not left stopped until the timeout');
    const g = await runInCgroup(undefined, [grown], 5000);
    assert.deepEqual([g.code, g.signal], [0, null], 'a modified copy is not matched (documented)');
    assert.ok(!rows(killRule).some((r) => r.pid === ran.pid || r.pid === g.pid), 'nothing recorded for them');
  });

  test('after removing the rule the copy runs; under an audit rule it runs and is recorded', async () => {
    cli('rm', String(killRule));
    const ran = await runInCgroup(undefined, [copy], 5000);
    assert.deepEqual([ran.code, ran.signal], [0, null]);

    const audit = cli('add', 'exec', '--audit', '--sha256-of', original);
    await verifierLive();
    const a = await runInCgroup(undefined, [copy], 5000);
    assert.deepEqual([a.code, a.signal], [0, null], 'audit lets it run');
    const stored = await eventually('the audit in the store', () =>
      rows(audit.id).find((r) => r.pid === a.pid),
    );
    assert.equal(stored.action, 'audited');
    assert.equal(stored.path, copy);
  });
});
