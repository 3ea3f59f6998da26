/**
 * Where rules run. With the SQLite deadline extension built, on a thread of
 * the agent: SQLite ends an overrunning statement at its bound and the same
 * thread runs the next rule (nothing is killed, no second Node process).
 * Without it, in a child process that is killed on overrun.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { RuleRunner } from '../../../src/agent/detection/rule-runner.ts';
import { deadlineExtension } from '../../../src/store/deadline.ts';
import { insertExec, tempDb } from './helpers.ts';

const RUNAWAY =
  'SELECT count(*) AS n FROM process_events a JOIN process_events b ON b.id > a.id JOIN process_events c ON c.id > b.id JOIN process_events d ON d.id > c.id';
const CHEAP = 'SELECT id FROM process_events';

function req(ruleId: string, sql: string) {
  return { ruleId, sql, fromId: 0, nowUs: Date.now() * 1000, maxRows: 100 };
}

describe('rule runner modes', () => {
  let ctx: ReturnType<typeof tempDb>;
  before(() => {
    ctx = tempDb();
    for (let i = 0; i < 300; i++) insertExec(ctx.db, { filename: `/usr/bin/t${i}` });
  });
  after(() => {
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('the deadline extension is built (npm run build:native)', () => {
    assert.ok(deadlineExtension(), 'native/build/Release/bw_sqlite_deadline.node');
  });

  test('on a thread: an overrun ends inside SQLite and the same runner goes on', async (t) => {
    const runner = new RuleRunner(ctx.path, { timeoutMs: 300 });
    t.after(() => runner.close());
    assert.equal(runner.mode, 'thread');
    assert.equal(runner.pid, undefined, 'no child process');
    const started = performance.now();
    const [slow, cheap] = await runner.run([req('runaway', RUNAWAY), req('cheap', CHEAP)]);
    assert.equal(slow?.ok, false);
    assert.ok(slow && !slow.ok && slow.timedOut, JSON.stringify(slow));
    assert.match(slow && !slow.ok ? slow.error : '', /runaway rule: stopped after 300 ms/);
    // The rest of the batch ran on the same thread, nothing was killed.
    assert.equal(cheap?.ok, true, cheap && !cheap.ok ? cheap.error : '');
    assert.equal(cheap?.ok && cheap.rows.length, 100, 'maxRows rows');
    assert.equal(runner.killed, 0);
    assert.ok(performance.now() - started < 30_000);
    const again = await runner.run([req('cheap', CHEAP)]);
    assert.equal(again[0]?.ok, true);
  });

  test('in a process without the extension: an overrun kills the child, the next batch starts another', async (t) => {
    const saved = process.env.BPFWARDEN_SQLITE_DEADLINE;
    process.env.BPFWARDEN_SQLITE_DEADLINE = '';
    const runner = new RuleRunner(ctx.path, { timeoutMs: 300 });
    t.after(() => {
      runner.close();
      if (saved === undefined) delete process.env.BPFWARDEN_SQLITE_DEADLINE;
      else process.env.BPFWARDEN_SQLITE_DEADLINE = saved;
    });
    assert.equal(runner.mode, 'process');
    const [slow, cheap] = await runner.run([req('runaway', RUNAWAY), req('cheap', CHEAP)]);
    assert.ok(slow && !slow.ok && slow.timedOut, slow && !slow.ok ? slow.error : 'ran');
    assert.match(slow && !slow.ok ? slow.error : '', /runaway rule: stopped after 300 ms/);
    assert.ok(cheap && !cheap.ok && cheap.skipped, 'the rest of the batch waits for the next one');
    assert.equal(runner.killed, 1);
    const again = await runner.run([req('cheap', CHEAP)]);
    assert.equal(again[0]?.ok, true);
  });

  test('a child process loads the extension too: bounded inside SQLite, not killed', async (t) => {
    const runner = new RuleRunner(ctx.path, { timeoutMs: 300, mode: 'process' });
    t.after(() => runner.close());
    const [slow, cheap] = await runner.run([req('runaway', RUNAWAY), req('cheap', CHEAP)]);
    assert.ok(slow && !slow.ok && slow.timedOut);
    assert.equal(cheap?.ok, true);
    assert.equal(runner.killed, 0);
  });
});
