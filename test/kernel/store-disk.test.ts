/**
 * The store on a small filesystem (a tmpfs this test mounts): disk use stays
 * under retention.maxSizeMiB with the WAL counted; a full disk loses events
 * only with a count (in the stop line and the status file), the failure is
 * logged once rather than per retry, and writing resumes by itself when space
 * is freed; a clean stop leaves no WAL behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { projectRoot } from '../../src/host/paths.ts';
import { EVENT_TABLES } from '../../src/store/tables/index.ts';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, sleep } from '../support/spawn.ts';

const OPEN_STORM = join(projectRoot(), 'build', 'open_storm');
const MIB = 1024 * 1024;

/** Bytes the database's files take on disk (blocks, not apparent size). */
function diskUse(db: string): number {
  let n = 0;
  for (const f of [db, `${db}-wal`, `${db}-shm`]) {
    try {
      n += statSync(f).blocks * 512;
    } catch {
      // not there
    }
  }
  return n;
}

function storedOpens(db: string, prefix: string): number {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return (
      conn.prepare("SELECT count(*) AS n FROM file_events WHERE path LIKE ? || '%'").get(prefix) as {
        n: number;
      }
    ).n;
  } finally {
    conn.close();
  }
}

function storedRows(db: string): number {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return EVENT_TABLES.reduce(
      (n, t) => n + (conn.prepare(`SELECT count(*) AS n FROM ${t.name}`).get() as { n: number }).n,
      0,
    );
  } finally {
    conn.close();
  }
}

interface StopLine {
  captured: number;
  stored: number;
  lost: number;
  kernel: number;
  queue: number;
  unwritten: number;
}

function stopLine(stderr: string): StopLine {
  const m =
    /stopped: (\d+) events captured, (\d+) stored, lost (\d+) \(kernel (\d+), queue (\d+)(?:, unwritten (\d+))?\)/.exec(
      stderr,
    );
  assert.ok(m, `no stop line in:\n${stderr}`);
  const [captured, stored, lost, kernel, queue, unwritten] = m.slice(1).map((x) => Number(x ?? 0));
  return {
    captured: captured!,
    stored: stored!,
    lost: lost!,
    kernel: kernel!,
    queue: queue!,
    unwritten: unwritten!,
  };
}

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `mount tmpfs: ${r.stderr}`);
}

function config(dir: string, stormPrefix: string, maxSizeMiB: number): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `runtimeDir: ${join(dir, 'run')}
api: { enabled: false }
monitors:
  file: { pathPrefixes: [${stormPrefix}] }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
retention:
  maxSizeMiB: ${maxSizeMiB}
  intervalSeconds: 3600
`,
  );
  return path;
}

describe('the store on a small filesystem', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-disk-'));
  const fs = join(dir, 'fs');
  let agent: RunningAgent | undefined;
  after(async () => {
    await agent?.stop('SIGKILL');
    spawnSync('umount', ['-l', fs]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('disk use stays under maxSizeMiB, WAL included, and a clean stop leaves no WAL', {
    timeout: 120_000,
  }, async () => {
    mountTmpfs(fs, '20m');
    const db = join(fs, 'bw.db');
    const prefix = join(dir, 'storm-a');
    agent = await startAgent(['--db', db, '--config', config(dir, prefix, 4)]);
    const storm = spawn(OPEN_STORM, [prefix, '120000', '8000', '2'], { stdio: 'ignore' });
    const done = new Promise((r) => storm.on('exit', r));
    let peak = 0;
    while (storm.exitCode === null) {
      peak = Math.max(peak, diskUse(db));
      await sleep(50);
    }
    await done;
    await sleep(1000);
    peak = Math.max(peak, diskUse(db));
    const status = JSON.parse(readFileSync(join(dir, 'run', 'status.json'), 'utf8')) as {
      retention: { deletedBySize: number };
    };
    const exit = await agent.stop('SIGTERM');
    const err = agent.stderr();
    agent = undefined;
    assert.equal(exit.code, 0, err);
    assert.ok(peak <= 4 * MIB, `disk use peaked at ${(peak / MIB).toFixed(2)} MiB, over the 4 MiB limit`);
    assert.ok(status.retention.deletedBySize > 0, 'retention deleted by size');
    const line = stopLine(err);
    assert.equal(line.lost, 0, err);
    assert.ok(storedOpens(db, prefix) > 0);
    assert.ok(!existsSync(`${db}-wal`) || statSync(`${db}-wal`).size === 0, 'no WAL left after a clean stop');
    spawnSync('umount', [fs]);
  });

  test('a full disk: loss counted at stop, failure logged once, writing resumes when space is freed', {
    timeout: 120_000,
  }, async () => {
    mountTmpfs(fs, '8m');
    const db = join(fs, 'bw.db');
    const filler = join(fs, 'filler');
    const prefix = join(dir, 'storm-b');
    // Space the test can give back later.
    writeFileSync(filler, Buffer.alloc(3 * MIB, 1));
    agent = await startAgent(['--db', db, '--config', config(dir, prefix, 0)]);
    const storm = spawn(OPEN_STORM, [prefix, '100000000', '6000', '2'], { stdio: 'ignore' });
    try {
      const current = agent;
      await eventually(
        'the disk to fill',
        () => (current.stderr().includes('store write failed') ? true : undefined),
        60_000,
      );
      await sleep(3000);
      const failureLines = (current.stderr().match(/store write failed/g) ?? []).length;
      assert.equal(failureLines, 1, 'a failing store is reported once, not per retry');

      const before = storedOpens(db, prefix);
      rmSync(filler);
      await eventually(
        'writing to resume',
        () => (current.stderr().includes('store writes succeed again') ? true : undefined),
        20_000,
      );
      await eventually(
        'more rows stored',
        () => (storedOpens(db, prefix) > before ? true : undefined),
        10_000,
      );
      // Full again (the freed space is used up), then a stop while writes fail.
      await eventually(
        'the disk to fill again',
        () => ((current.stderr().match(/store write failed/g) ?? []).length >= 2 ? true : undefined),
        60_000,
      );
      await sleep(500);
    } finally {
      storm.kill('SIGKILL');
    }
    const exit = await agent.stop('SIGTERM');
    const err = agent.stderr();
    agent = undefined;
    assert.equal(exit.code, 0, err);
    const line = stopLine(err);
    assert.ok(line.unwritten > 0, `events still queued at the stop are counted:\n${err}`);
    assert.match(err, /store: \d+ events could not be written before the stop and are lost \(.*full/);
    assert.equal(line.lost, line.kernel + line.queue + line.unwritten);
    assert.equal(
      line.captured,
      line.stored + line.queue + line.unwritten,
      'every captured event is stored or counted',
    );
    const status = JSON.parse(readFileSync(join(dir, 'run', 'status.json'), 'utf8')) as {
      store: { unwritten: number; stored: number };
    };
    assert.equal(status.store.unwritten, line.unwritten);
    assert.equal(storedRows(db), line.stored, 'the stop line counts the rows the store holds');
  });
});
