/**
 * The hostile corpus: every rule is rejected by validation with a clear
 * message, or stopped when run; none changes the database, and the event
 * writer keeps committing while a runaway rule runs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { RuleRunner } from '../../../src/agent/detection/rule-runner.ts';
import { formatViolation, validateRuleQuery } from '../../../src/domain/rules/validate.ts';
import { RULE_CATALOG, withNewEventSources } from '../../../src/store/rule-catalog.ts';
import { insertExec, insertOpen, tempDb } from './helpers.ts';
import { HOSTILE_RULES } from './hostile-rules.ts';

function fingerprint(db: DatabaseSync): string {
  const h = createHash('sha256');
  const tables = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type IN ('table','view','index','trigger') ORDER BY name",
    )
    .all() as { name: string; sql: string | null }[];
  for (const t of tables) {
    h.update(`${t.name}\0${t.sql ?? ''}\0`);
    if (!t.sql?.startsWith('CREATE TABLE')) continue;
    for (const row of db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all())
      h.update(JSON.stringify(row));
  }
  h.update(String((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version));
  return h.digest('hex');
}

describe('hostile rule corpus', () => {
  let ctx: ReturnType<typeof tempDb>;
  let runner: RuleRunner;
  let before0: string;

  before(() => {
    ctx = tempDb();
    for (let i = 0; i < 400; i++) insertExec(ctx.db, { filename: `/usr/bin/t${i}`, pid: 1000 + i });
    for (let i = 0; i < 400; i++) insertOpen(ctx.db, { path: `/etc/f${i}`, pid: 2000 + i });
    ctx.db.exec("INSERT INTO meta (key, value) VALUES ('marker', 'unchanged')");
    before0 = fingerprint(ctx.db);
    runner = new RuleRunner(ctx.path, { timeoutMs: 700 });
  });

  after(() => {
    runner.close();
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('the corpus has at least 40 rules', () => {
    assert.ok(HOSTILE_RULES.length >= 40, `${HOSTILE_RULES.length} rules`);
  });

  for (const h of HOSTILE_RULES) {
    test(`${h.name}: ${h.reject ? 'rejected' : 'stopped'} with a clear message`, async () => {
      const v = validateRuleQuery(h.sql, RULE_CATALOG);
      if (h.reject) {
        assert.equal(v.ok, false, `validation accepted: ${h.sql}`);
        if (!v.ok) {
          const text = v.violations.map(formatViolation).join('\n');
          assert.match(text, h.reject);
          assert.match(text, /^line \d+, column \d+: /);
        }
        return;
      }
      assert.ok(
        v.ok,
        `expected to pass validation: ${v.ok ? '' : v.violations.map(formatViolation).join('; ')}`,
      );
      if (!v.ok) return;
      const sql = withNewEventSources(h.sql, v.query.newSources, v.query.hasWith);
      // Capture continues meanwhile: the writer commits while the rule runs away.
      let maxWriteMs = 0;
      let writes = 0;
      const timer = setInterval(() => {
        const t = performance.now();
        insertExec(ctx.db, { filename: '/usr/bin/during' });
        maxWriteMs = Math.max(maxWriteMs, performance.now() - t);
        writes++;
      }, 20);
      const [r] = await runner.run([
        { ruleId: h.name, sql, fromId: 0, nowUs: Date.now() * 1000, maxRows: 100 },
      ]);
      clearInterval(timer);
      assert.ok(r && !r.ok, 'the run was stopped');
      if (r && !r.ok) assert.match(r.error, h.runtime ?? /./);
      assert.ok(writes >= 10, `writer committed ${writes} times during the run`);
      assert.ok(maxWriteMs < 250, `a write took ${maxWriteMs.toFixed(1)} ms`);
      ctx.db.exec(`DELETE FROM process_events WHERE filename = '/usr/bin/during'`);
    });
  }

  test('the runtime authorizer refuses what validation would have refused', async () => {
    const bypass = [
      "SELECT load_extension('/tmp/x.so')",
      'SELECT sql FROM sqlite_master',
      'SELECT * FROM alerts',
      'SELECT value FROM meta',
      "SELECT readfile('/etc/passwd')",
      'DELETE FROM process_events',
      "INSERT INTO meta VALUES ('k', 'v')",
      'PRAGMA user_version = 99',
      "ATTACH DATABASE '/tmp/bw-attached.db' AS x",
      'CREATE TABLE evil (a)',
      'SELECT randomblob(10)',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
    ];
    const results = await runner.run(
      bypass.map((sql, i) => ({ ruleId: `bypass-${i}`, sql, fromId: 0, nowUs: 0, maxRows: 10 })),
    );
    results.forEach((r, i) => {
      assert.equal(r.ok, false, `authorizer let through: ${bypass[i]}`);
      if (!r.ok)
        assert.match(
          r.error,
          /not authorized|prohibited|readonly|read-only|attempt to write|no such function/i,
          bypass[i],
        );
    });
  });

  test('nothing changed the database', () => {
    assert.equal(fingerprint(ctx.db), before0);
  });
});
