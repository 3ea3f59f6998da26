/**
 * SIGHUP on a real agent: a config edit that adds a rule directory makes a
 * new rule fire on real exec activity, while the event stream goes on with
 * nothing lost (execs before, during and after the reload all stored, no
 * drops); an invalid edit is refused with its message and the agent keeps
 * running on the previous configuration.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run, sleep } from '../support/spawn.ts';

function count(db: string, sql: string, ...args: string[]): number {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return (conn.prepare(sql).get(...args) as { n: number }).n;
  } catch {
    return 0; // not created yet
  } finally {
    conn.close();
  }
}

describe('SIGHUP reloads the configuration', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-reload-'));
  const db = join(dir, 'bw.db');
  const config = join(dir, 'config.yaml');
  const rulesA = join(dir, 'rules-a');
  const rulesB = join(dir, 'rules-b');
  const tag = `bwreload${process.pid}`;
  let agent: RunningAgent | undefined;

  after(async () => {
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const execs = (phase: string): number =>
    count(
      db,
      "SELECT count(*) AS n FROM process_events WHERE type = 'exec' AND argv LIKE ?",
      `%${tag}-${phase}-%`,
    );
  const alerts = (): number => count(db, "SELECT count(*) AS n FROM alerts WHERE rule_id = 'reload-new'");
  const fire = async (phase: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await run('/bin/true', [`${tag}-${phase}-${i}`]);
  };
  const writeConfig = (extra: string, dirs: string[]): void =>
    writeFileSync(
      config,
      `runtimeDir: ${join(dir, 'run')}
monitors:
  file: { enabled: false }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
api: { enabled: false }
${extra}rules:
  intervalMs: 25
  directory: [${dirs.join(', ')}]
`,
    );
  const logged = (what: string, text: string | RegExp): Promise<true> =>
    eventually(
      what,
      () => {
        const err = agent?.stderr() ?? '';
        return (typeof text === 'string' ? err.includes(text) : text.test(err)) ? true : undefined;
      },
      10_000,
    );

  test('a new rule applies live, capture loses nothing, a bad edit is refused', {
    timeout: 120_000,
  }, async () => {
    mkdirSync(rulesA);
    mkdirSync(rulesB);
    writeFileSync(
      join(rulesB, 'new.yaml'),
      `id: reload-new
name: marker exec after the reload
severity: medium
title: marker {marker}
dedupe: marker
query: |
  SELECT id, pid, comm, type, json_extract(argv, '$[1]') AS marker
  FROM new_process_events
  WHERE type = 'exec' AND argv LIKE '%${tag}-%'
`,
    );
    writeConfig('', [rulesA]);
    agent = await startAgent(['--db', db, '--config', config]);

    await fire('before', 10);
    await eventually('10 execs stored', () => (execs('before') === 10 ? true : undefined), 10_000);
    await sleep(300);
    assert.equal(alerts(), 0, 'no such rule yet');

    // The edit: one more rule directory (live) and a store setting (restart only).
    writeConfig('store:\n  flushIntervalMs: 40\n', [rulesA, rulesB]);
    const during = fire('during', 40);
    await sleep(100);
    agent.child.kill('SIGHUP');
    await during;
    await logged('the applied change', `reload: rules.directory: ["${rulesA}"] -> ["${rulesA}","${rulesB}"]`);
    await logged('the restart list', 'reload: needs a restart to take effect: store.flushIntervalMs');
    await eventually(
      'every exec during the reload stored',
      () => (execs('during') === 40 ? true : undefined),
      10_000,
    );

    await fire('after', 10);
    await eventually('10 execs stored', () => (execs('after') === 10 ? true : undefined), 10_000);
    await eventually(
      'the new rule fired for each later exec',
      () => (alerts() >= 10 ? true : undefined),
      15_000,
    );

    // An invalid edit: refused with its message; the agent keeps the running configuration.
    writeConfig('store:\n  flushIntervalMs: fast\n', [rulesA]);
    agent.child.kill('SIGHUP');
    await logged(
      'the rejection',
      'SIGHUP: new configuration rejected (1 problem); still running on the previous one:',
    );
    await logged(
      'the problem',
      `  ${config}:9:3: store.flushIntervalMs: Invalid input: expected number, received string (got "fast")`,
    );
    assert.equal(agent.child.exitCode, null, 'still running');
    const before = alerts();
    await fire('late', 5);
    await eventually('5 execs stored', () => (execs('late') === 5 ? true : undefined), 10_000);
    await eventually('the rule still applies', () => (alerts() >= before + 5 ? true : undefined), 15_000);

    const status = JSON.parse(readFileSync(join(dir, 'run', 'status.json'), 'utf8')) as {
      monitors: { name: string; kernelDrops: number }[];
      store: { queueDropped: number; writeFailures: number };
    };
    assert.ok(status.monitors.some((m) => m.name === 'process'));
    for (const m of status.monitors) assert.equal(m.kernelDrops, 0, `${m.name} dropped events`);
    assert.equal(status.store.queueDropped, 0);
    assert.equal(status.store.writeFailures, 0);

    const exit = await agent.stop('SIGTERM');
    agent = undefined;
    assert.equal(exit.code, 0);
    assert.equal(execs('before') + execs('during') + execs('after') + execs('late'), 65);
  });
});

describe('SIGHUP rewrites the file monitor filters in their BPF maps', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-refilter-'));
  const db = join(dir, 'bw.db');
  const config = join(dir, 'config.yaml');
  const watched = join(dir, 'fa');
  const later = join(dir, 'fb');
  let agent: RunningAgent | undefined;

  after(async () => {
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const opens = (path: string): number =>
    count(db, "SELECT count(*) AS n FROM file_events WHERE type = 'open' AND path = ?", path);
  const writeConfig = (prefixes: string[]): void =>
    writeFileSync(
      config,
      `runtimeDir: ${join(dir, 'run')}
api: { enabled: false }
rules: { enabled: false }
monitors:
  file: { pathPrefixes: [${prefixes.join(', ')}] }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
`,
    );

  test('a path prefix added by a reload is reported from then on', { timeout: 60_000 }, async () => {
    mkdirSync(watched);
    mkdirSync(later);
    const a = join(watched, 'x');
    const b = join(later, 'x');
    writeFileSync(a, 'a');
    writeFileSync(b, 'b');
    writeConfig([`${watched}/`]);
    agent = await startAgent(['--db', db, '--config', config]);

    await run('/bin/cat', [b]);
    await run('/bin/cat', [a]);
    // Both opens share one ring: once the later one is stored, the earlier would be too.
    await eventually('the watched open stored', () => (opens(a) > 0 ? true : undefined), 10_000);
    assert.equal(opens(b), 0, 'filtered in the kernel before the reload');

    writeConfig([`${watched}/`, `${later}/`]);
    agent.child.kill('SIGHUP');
    await eventually(
      'the applied filter',
      () =>
        agent
          ?.stderr()
          .includes(`reload: monitors.file.pathPrefixes: ["${watched}/"] -> ["${watched}/","${later}/"]`)
          ? true
          : undefined,
      10_000,
    );
    assert.doesNotMatch(agent.stderr(), /needs a restart/);
    await run('/bin/cat', [b]);
    await eventually('the newly watched open stored', () => (opens(b) > 0 ? true : undefined), 10_000);
    const exit = await agent.stop('SIGTERM');
    agent = undefined;
    assert.equal(exit.code, 0);
  });
});
