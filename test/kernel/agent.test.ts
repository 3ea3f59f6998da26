/**
 * The agent end to end: the real binary captures real processes into SQLite,
 * the CLI lists them, SIGTERM loses nothing, SIGKILL leaves a sound database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { projectRoot } from '../../src/host/paths.ts';
import { cli, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run, sleep } from '../support/spawn.ts';

const STORM = join(projectRoot(), 'build', 'exec_storm');

function storm(count: number, marker: string): { spawned: number } {
  const r = spawnSync(STORM, [String(count), '2', marker], { encoding: 'utf8' });
  assert.equal(r.status, 0, `exec_storm failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { spawned: number };
}

function count(db: string, sql: string, ...params: (string | number)[]): number {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return Number((conn.prepare(sql).get(...params) as { n: number }).n);
  } finally {
    conn.close();
  }
}

const markerRows = (db: string, marker: string): number =>
  count(
    db,
    "SELECT count(*) AS n FROM process_events WHERE type = 'exec' AND argv = ?",
    JSON.stringify(['true', marker]),
  );

describe('bpfwarden agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-agent-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a process started on the host is stored within a second and listed by the CLI', async () => {
    const db = join(dir, 'latency.db');
    const agent = await startAgent(['--db', db]);
    try {
      const r = await run('/bin/true', ['latency-probe']);
      const exitedAt = Date.now();
      const storedAt = await eventually('exec row', () =>
        count(db, "SELECT count(*) AS n FROM process_events WHERE type='exec' AND pid=?", r.pid) > 0
          ? Date.now()
          : undefined,
      );
      const latency = storedAt - exitedAt;
      console.log(`# exec stored ${latency} ms after the process exited`);
      assert.ok(latency < 1000, `stored after ${latency} ms`);

      const out = cli([
        'events',
        '--db',
        db,
        '--type',
        'exec',
        '--comm',
        'true',
        '--json',
        '--limit',
        '1000',
      ]);
      assert.equal(out.status, 0, out.stderr);
      const rows = out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const row = rows.find((x) => x.pid === r.pid);
      assert.ok(row, `CLI lists pid ${r.pid}`);
      assert.equal(row.filename, '/bin/true');
      assert.equal(row.ppid, process.pid);
      assert.equal(row.uid, 0);
      assert.equal(row.type, 'exec');

      const table = cli(['events', '--db', db, '--type', 'exec', '--pid', String(r.pid)]);
      assert.equal(table.status, 0, table.stderr);
      assert.match(table.stdout, /TYPE/);
      assert.match(table.stdout, new RegExp(`\\b${r.pid}\\b.*/bin/true latency-probe`));
    } finally {
      await agent.stop();
    }
  });

  test('SIGTERM stores every event captured before it (drain + flush)', async () => {
    const db = join(dir, 'sigterm.db');
    const agent = await startAgent(['--db', db]);
    const marker = `sigterm-${randomUUID()}`;
    const { spawned } = storm(500, marker);
    const r = await agent.stop('SIGTERM');
    assert.equal(r.code, 0, agent.stderr());
    assert.match(agent.stderr(), /lost 0 \(kernel 0, queue 0\)/);
    assert.equal(markerRows(db, marker), spawned);
    // Every storm process also exited, and its exit was stored.
    assert.ok(
      count(db, "SELECT count(*) AS n FROM process_events WHERE type='exit' AND comm='true'") >= spawned,
    );
  });

  test('SIGKILL leaves a database that opens, passes integrity_check and holds every committed batch', async () => {
    const db = join(dir, 'sigkill.db');
    const agent = await startAgent(['--db', db]);
    const marker = `sigkill-${randomUUID()}`;
    storm(1000, marker);
    await sleep(300);
    const committed = count(db, 'SELECT count(*) AS n FROM process_events');
    const maxId = count(db, 'SELECT max(id) AS n FROM process_events');
    assert.ok(committed > 0);
    const r = await agent.stop('SIGKILL');
    assert.equal(r.signal, 'SIGKILL');

    const conn = new DatabaseSync(db);
    assert.equal(
      (conn.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      'ok',
    );
    conn.close();
    assert.ok(count(db, 'SELECT count(*) AS n FROM process_events') >= committed);

    // The agent restarts on the same database and continues the id sequence.
    const again = await startAgent(['--db', db]);
    const probe = await run('/bin/true', ['after-restart']);
    await eventually('exec after restart', () =>
      count(db, "SELECT count(*) AS n FROM process_events WHERE type='exec' AND pid=?", probe.pid) > 0
        ? true
        : undefined,
    );
    await again.stop();
    assert.ok(
      count(db, "SELECT min(id) AS n FROM process_events WHERE type='exec' AND pid=?", probe.pid) > maxId,
      'new ids continue after the old maximum',
    );
  });

  test('an exec storm of 20,000 processes loses no exec event', async () => {
    const db = join(dir, 'storm.db');
    const runtimeDir = join(dir, 'storm-run');
    const config = join(dir, 'storm.yaml');
    writeFileSync(config, `database: ${db}\nruntimeDir: ${runtimeDir}\n`);
    const agent = await startAgent(['--config', config]);
    const marker = `storm-${randomUUID()}`;
    const { spawned } = storm(20_000, marker);
    const r = await agent.stop('SIGTERM');
    assert.equal(r.code, 0, agent.stderr());
    const stored = markerRows(db, marker);
    const status = JSON.parse(readFileSync(join(runtimeDir, 'status.json'), 'utf8')) as {
      monitors: { name: string; kernelDrops: number; events: number }[];
      store: { queueDropped: number };
    };
    const proc = status.monitors.find((m) => m.name === 'process');
    const stop = /stopped: .*/.exec(agent.stderr())?.[0];
    console.log(
      `# exec storm: spawned ${spawned}, stored ${stored}; process monitor: ${proc?.events} events, ${proc?.kernelDrops} kernel drops; agent ${stop}`,
    );
    assert.equal(spawned, 20_000);
    assert.equal(stored, spawned, 'stored exec events equal spawned processes');
    assert.equal(proc?.kernelDrops, 0, 'the process monitor lost nothing in the kernel');
  });
});
