/**
 * The store in the agent's own thread (store.worker: false) takes the same
 * ingest path as the worker: monitors hand it raw batches and one decoder
 * writes them. Real execs and opens of this test are stored, and the status
 * counts them with no decode errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent } from '../../src/agent/agent.ts';
import { parseConfig } from '../../src/agent/config.ts';
import { openDatabase } from '../../src/store/database.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { run, sleep } from '../support/spawn.ts';

describe('the store in the agent thread', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-inprocess-'));
  let agent: Agent | undefined;
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('raw batches are decoded and stored, and counted in status', { timeout: 60_000 }, async () => {
    const database = join(dir, 'bw.db');
    const marker = join(dir, `marker-${process.pid}`);
    writeFileSync(marker, 'x');
    const config = parseConfig({
      database,
      runtimeDir: join(dir, 'run'),
      store: { worker: false },
      // The test's children are the agent's children here: excludeSelf would hide their opens.
      monitors: {
        file: { excludeSelf: false, pathPrefixes: [`${dir}/`] },
        net: { enabled: false },
        drop: { enabled: false },
        dns: { enabled: false },
      },
      rules: { enabled: false },
      api: { enabled: false },
    });
    agent = new Agent(config, { log: () => undefined });
    await agent.start();
    const tag = `bwinproc${process.pid}`;
    const execs = [];
    for (let i = 0; i < 5; i++) execs.push(await run('/bin/cat', [marker, `${tag}-${i}`]));
    const db = openDatabase(database, { readOnly: true });
    try {
      let rows: { pid: number }[] = [];
      let opens = 0;
      for (let i = 0; i < 100 && (rows.length < 5 || opens < 5); i++) {
        await sleep(100);
        rows = db
          .prepare(`SELECT pid FROM process_events WHERE type = 'exec' AND argv LIKE ?`)
          .all(`%${tag}-%`) as { pid: number }[];
        opens = Number(
          (db.prepare(`SELECT count(*) AS n FROM file_events WHERE path = ?`).get(marker) as { n: number }).n,
        );
      }
      assert.deepEqual(rows.map((r) => r.pid).sort(), execs.map((e) => e.pid).sort());
      assert.ok(opens >= 5, `opens of the marker stored: ${opens}`);
    } finally {
      db.close();
    }
    const status = agent.monitors();
    const proc = status.find((m) => m.name === 'process');
    assert.ok(proc && proc.events >= 10, `process events counted: ${proc?.events}`);
    assert.equal(proc?.decodeErrors, 0);
  });
});
