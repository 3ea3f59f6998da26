/**
 * The policy monitor in a real agent: rings pinned by the egress and exec
 * components (loaded here, as the CLI would) are drained into the store;
 * a ring that appears after the agent started is picked up, one that goes
 * is let go, and the agent's status says which are attached.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import type { EgressRule, ExecRule } from '../../src/domain/enforce/policy/rule.ts';
import { egressRuleFrom, execRuleFrom } from '../../src/domain/enforce/policy/rule-input.ts';
import { nativeBridge } from '../../src/ebpf/index.ts';
import { EgressPolicy } from '../../src/enforce/egress/egress-policy.ts';
import { ExecPolicy } from '../../src/enforce/exec/exec-policy.ts';
import { cli, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { makeCgroup, runInCgroup, testPinRoot } from '../support/policy-env.ts';
import { eventually } from '../support/spawn.ts';

interface Row {
  type: string;
  pid: number;
  rule_id: number;
  action: string;
  dst_port: number | null;
  path: string | null;
}

function rows(db: string, ruleId: number): Row[] {
  if (!existsSync(db)) return [];
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return conn.prepare('SELECT * FROM policy_events WHERE rule_id = ?').all(ruleId) as unknown as Row[];
  } catch {
    return []; // not migrated yet
  } finally {
    conn.close();
  }
}

interface Status {
  monitors: { name: string; state: string; attached: string[]; counters?: Record<string, number> }[];
}

describe('policy monitor', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-policymon-'));
  const pinRoot = testPinRoot('policymon');
  const cleanups: (() => void | Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.log(`# cleanup: ${(err as Error).message}`);
      }
    }
    rmSync(pinRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('stores decisions from pinned rings, including a ring that appears after start', async () => {
    const bridge = nativeBridge();
    const cg = makeCgroup('policymon');
    cleanups.push(() => cg.remove());
    const port = 9; // discard: never listened on here; the connect fails before any packet
    const egressRule = egressRuleFrom({
      id: 301,
      action: 'deny',
      cidr: '127.0.0.1',
      ports: port,
      cgroup: cg.path,
    });
    assert.ok('rule' in egressRule);
    const egress = new EgressPolicy({ bridge, pinRoot, rules: (): EgressRule[] => [egressRule.rule] });
    cleanups.push(() => egress.close({ unload: true }));
    egress.apply();

    const db = join(dir, 'bw.db');
    const runtimeDir = join(dir, 'run');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `database: ${db}`,
        `runtimeDir: ${runtimeDir}`,
        'monitors:',
        '  file: { enabled: false }',
        '  net: { enabled: false }',
        '  drop: { enabled: false }',
        '  dns: { enabled: false }',
        `  policy: { pinRoot: ${pinRoot}, rescanIntervalMs: 200 }`,
        '',
      ].join('\n'),
    );
    const agent = await startAgent(['--config', config]);
    cleanups.push(async () => {
      await agent.stop();
    });
    const status = (): Status => JSON.parse(readFileSync(join(runtimeDir, 'status.json'), 'utf8')) as Status;
    const policyStatus = () => status().monitors.find((m) => m.name === 'policy');

    const client = `require('node:net').connect(${port}, '127.0.0.1').on('error', (e) => { console.log(e.code); process.exit(0); })`;
    const denied = await runInCgroup(cg.path, [process.execPath, '-e', client]);
    assert.equal(denied.stdout.trim(), 'EPERM');
    const stored = await eventually('the egress decision in the store', () =>
      rows(db, 301).find((r) => r.pid === denied.pid),
    );
    assert.deepEqual([stored.type, stored.action, stored.dst_port], ['policy_egress', 'denied', port]);

    // The exec policy is loaded only now: its ring appears while the agent runs.
    const bin = join(dir, 'bw-true');
    copyFileSync('/usr/bin/true', bin);
    chmodSync(bin, 0o755);
    const execRule = execRuleFrom({ id: 302, action: 'kill', path: bin });
    assert.ok('rule' in execRule);
    const exec = new ExecPolicy({ bridge, pinRoot, rules: (): ExecRule[] => [execRule.rule] });
    cleanups.push(() => exec.close({ unload: true }));
    exec.apply();
    await eventually(
      'the exec ring attached',
      () => (policyStatus()?.counters?.execAttached === 1 ? true : undefined),
      5000,
    );
    const killed = await runInCgroup(undefined, [bin]);
    assert.equal(killed.signal, 'SIGKILL');
    const execRow = await eventually('the exec decision in the store', () =>
      rows(db, 302).find((r) => r.pid === killed.pid),
    );
    assert.deepEqual([execRow.type, execRow.path], ['policy_exec', bin]);

    const s = policyStatus();
    assert.equal(s?.state, 'running');
    assert.equal(s?.counters?.egressAttached, 1);
    assert.equal(s?.counters?.firewallAttached, 0);
    assert.ok(s?.attached.includes(`${pinRoot}/egress/events`));

    // Unloaded: the ring goes, and the monitor lets go of it.
    exec.close({ unload: true });
    await eventually(
      'the exec ring let go',
      () => (policyStatus()?.counters?.execAttached === 0 ? true : undefined),
      5000,
    );
    const stop = await agent.stop();
    assert.equal(stop.code, 0, agent.stderr());

    // The events command lists them, and the summary counts them per rule.
    const listed = cli([
      'events',
      '--db',
      db,
      '--type',
      'policy_egress,policy_exec',
      '--json',
      '--limit',
      '1000',
    ]);
    assert.equal(listed.status, 0, listed.stderr);
    const events = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; pid: number; ruleId: number });
    assert.ok(events.some((e) => e.type === 'policy_egress' && e.pid === denied.pid && e.ruleId === 301));
    assert.ok(events.some((e) => e.type === 'policy_exec' && e.pid === killed.pid && e.ruleId === 302));
    const table = cli(['events', '--db', db, '--type', 'policy_exec']);
    assert.match(table.stdout, new RegExp(`killed rule=302 ${bin}`));
    const summary = cli(['events', 'summary', '--db', db, '--by', 'rule', '--json']);
    assert.equal(summary.status, 0, summary.stderr);
    const groups = summary.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; rule_id: number; action: string; count: number });
    assert.ok(groups.some((g) => g.rule_id === 301 && g.action === 'denied' && g.count >= 1));
  });
});
