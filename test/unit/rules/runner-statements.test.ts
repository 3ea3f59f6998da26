/**
 * The rule runner keeps each rule's prepared statement between passes: the
 * same statement object is reused, still sees the rows each pass is given,
 * is prepared afresh when the rule's SQL changes or after it failed, and a
 * pass cut short by maxRows leaves it ready for the next one.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guard, runOne, StatementCache } from '../../../src/agent/detection/runner-core.ts';
import { nextPauseMs } from '../../../src/domain/rules/pace.ts';
import { validateRuleQuery } from '../../../src/domain/rules/validate.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { RULE_CATALOG, withNewEventSources } from '../../../src/store/rule-catalog.ts';
import { insertExec, tempDb } from './helpers.ts';

const ruleSql = (q: string): string => {
  const v = validateRuleQuery(q, RULE_CATALOG);
  assert.ok(v.ok, q);
  return withNewEventSources(q, v.query.newSources, v.query.hasWith);
};

describe('rule runner statements', () => {
  let ctx: ReturnType<typeof tempDb>;
  let ro: ReturnType<typeof openDatabase>;
  let cache: StatementCache;
  let g: ReturnType<typeof guard>;

  before(() => {
    ctx = tempDb();
    ro = openDatabase(ctx.path, { readOnly: true });
    g = guard(ro);
    cache = new StatementCache(ro);
  });

  after(() => {
    ro.close();
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  const pass = (ruleId: string, sql: string, fromId: number, maxRows = 100) =>
    runOne(cache, g, { ruleId, sql, fromId, nowUs: Date.now() * 1000, maxRows }, Number.MAX_SAFE_INTEGER);

  test('one statement serves every pass and sees only the rows after the watermark', () => {
    const sql = ruleSql("SELECT pid, filename FROM new_process_events WHERE filename LIKE '/opt/stmt/%'");
    const a = insertExec(ctx.db, { filename: '/opt/stmt/a', pid: 11 });
    const r1 = pass('r1', sql, a - 1);
    assert.ok(r1.ok);
    assert.deepEqual(
      r1.rows.map((r) => r.filename),
      ['/opt/stmt/a'],
    );
    const first = cache.get('r1', sql).stmt;
    const b = insertExec(ctx.db, { filename: '/opt/stmt/b', pid: 12 });
    const r2 = pass('r1', sql, a);
    assert.ok(r2.ok);
    assert.deepEqual(
      r2.rows.map((r) => r.filename),
      ['/opt/stmt/b'],
    );
    assert.equal(cache.get('r1', sql).stmt, first, 'the statement was reused');
    const r3 = pass('r1', sql, b);
    assert.ok(r3.ok);
    assert.equal(r3.rows.length, 0);
  });

  test('a changed query is prepared afresh', () => {
    const s1 = ruleSql("SELECT pid FROM new_process_events WHERE filename = '/opt/stmt/a'");
    const s2 = ruleSql("SELECT pid FROM new_process_events WHERE filename = '/opt/stmt/b'");
    const one = cache.get('r2', s1).stmt;
    const r = pass('r2', s2, 0);
    assert.ok(r.ok);
    assert.deepEqual(
      r.rows.map((x) => Number(x.pid)),
      [12],
    );
    assert.notEqual(cache.get('r2', s2).stmt, one);
  });

  test('a pass cut short by maxRows leaves the statement ready for the next', () => {
    const sql = ruleSql(
      "SELECT filename FROM new_process_events WHERE filename LIKE '/opt/cut/%' ORDER BY id",
    );
    const first = insertExec(ctx.db, { filename: '/opt/cut/0' });
    for (let i = 1; i < 5; i++) insertExec(ctx.db, { filename: `/opt/cut/${i}` });
    const short = pass('r3', sql, first - 1, 2);
    assert.ok(short.ok);
    assert.equal(short.truncated, true);
    assert.deepEqual(
      short.rows.map((r) => r.filename),
      ['/opt/cut/0', '/opt/cut/1'],
    );
    const full = pass('r3', sql, first - 1);
    assert.ok(full.ok);
    assert.equal(full.rows.length, 5);
  });

  test('a statement the authorizer refuses is not kept, and refuses again', () => {
    const r1 = pass('r4', 'SELECT value FROM meta', 0);
    const r2 = pass('r4', 'SELECT value FROM meta', 0);
    assert.equal(r1.ok, false);
    assert.equal(r2.ok, false);
    if (!r2.ok) assert.match(r2.error, /prohibited.*denied: read of main.meta.value/);
  });
});

describe('rule pacing', () => {
  const s = { intervalMs: 25, maxBusyPercent: 25 };
  test('short passes run every interval', () => {
    assert.equal(nextPauseMs(0, s), 25);
    assert.equal(nextPauseMs(8, s), 25);
  });
  test('a long pass waits in proportion, keeping the busy share', () => {
    assert.equal(nextPauseMs(40, s), 120);
    const busy = 40 / (40 + nextPauseMs(40, s));
    assert.ok(Math.abs(busy - 0.25) < 1e-9, `busy ${busy}`);
    assert.equal(nextPauseMs(40, { intervalMs: 25, maxBusyPercent: 100 }), 25);
  });
});
