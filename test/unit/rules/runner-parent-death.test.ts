/**
 * The rule-runner child dies with the process that started it, even while it
 * is inside a long synchronous statement (which keeps it from seeing the IPC
 * channel close).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { execEvent, T0_US, tempDir } from '../store/fixtures.ts';

const RUNNER = join(import.meta.dirname, '../../../src/agent/detection/rule-runner.ts');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Running (not yet dead): a zombie waiting for its new parent to reap it counts as dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

test('a killed parent takes its rule runner with it, even mid-statement', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'bw.db');
  const db = openDatabase(dbPath);
  const w = new EventWriter(db);
  w.enqueue(Array.from({ length: 3000 }, (_, i) => execEvent({ timeUs: T0_US + i })));
  w.flush();
  db.close();

  // A parent that starts a statement running for minutes (a three-way cross join) and prints the child's pid.
  const parentScript = join(dir, 'parent.ts');
  writeFileSync(
    parentScript,
    `import { RuleRunner } from ${JSON.stringify(RUNNER)};
const r = new RuleRunner(${JSON.stringify(dbPath)}, { timeoutMs: 600_000, mode: 'process' });
void r.run([{ ruleId: 'slow', sql: 'SELECT count(*) AS n FROM process_events a, process_events b, process_events c', fromId: 0, nowUs: 0, maxRows: 10 }]);
const tick = setInterval(() => { if (r.pid) { console.log(r.pid); clearInterval(tick); } }, 20);
setInterval(() => {}, 1000);
`,
  );
  const parent = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', parentScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => parent.kill('SIGKILL'));
  const childPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.setEncoding('utf8');
    parent.stdout.once('data', (d: string) => resolve(Number(d.trim())));
    parent.once('exit', () => reject(new Error('parent exited before starting the runner')));
  });
  assert.ok(childPid > 0);
  // Let the child receive the batch and enter the statement.
  await sleep(1500);
  assert.ok(alive(childPid), 'the runner is running its statement');
  t.after(() => {
    try {
      process.kill(childPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });

  parent.kill('SIGKILL');
  const killedAt = Date.now();
  while (alive(childPid) && Date.now() - killedAt < 5000) {
    await sleep(20);
  }
  const tookMs = Date.now() - killedAt;
  assert.ok(!alive(childPid), `the runner outlived its parent by ${tookMs} ms`);
  assert.ok(tookMs < 1000, `the runner took ${tookMs} ms to follow its parent`);
});
