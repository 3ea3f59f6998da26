/** The starter pack under rules/: at least 15 rules, all valid, each runs cleanly against a real store. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadRuleDirectories } from '../../../src/agent/detection/rule-file.ts';
import { RuleRunner } from '../../../src/agent/detection/rule-runner.ts';
import { projectRoot } from '../../../src/agent/paths.ts';
import { withNewEventSources } from '../../../src/store/rule-catalog.ts';
import { insertExec, insertOpen, tempDb } from './helpers.ts';

describe('starter rule pack', () => {
  const loaded = loadRuleDirectories([join(projectRoot(), 'rules')]);
  let ctx: ReturnType<typeof tempDb>;
  let runner: RuleRunner;

  before(() => {
    ctx = tempDb();
    runner = new RuleRunner(ctx.path, { timeoutMs: 5000 });
  });
  after(() => {
    runner.close();
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('loads at least 15 rules without errors', () => {
    assert.deepEqual(loaded.errors, []);
    assert.ok(loaded.rules.length >= 15, `${loaded.rules.length} rules`);
    for (const { checked } of loaded.rules) {
      assert.ok(
        checked.rule.tags.some((t) => /^T\d{4}(\.\d{3})?$/.test(t)),
        `${checked.rule.id} has a MITRE tag`,
      );
    }
  });

  test('every rule runs against the store', async () => {
    insertExec(ctx.db, { filename: '/tmp/payload', comm: 'payload' });
    insertOpen(ctx.db, { path: '/etc/shadow', comm: 'python3' });
    const batch = loaded.rules.map(({ checked: c }) => ({
      ruleId: c.rule.id,
      sql: withNewEventSources(c.rule.query, c.query.newSources, c.query.hasWith),
      fromId: 0,
      nowUs: Date.now() * 1000,
      maxRows: 100,
    }));
    const results = await runner.run(batch);
    for (const r of results) assert.ok(r.ok, `${r.ruleId}: ${r.ok ? '' : r.error}`);
    const rows = (id: string): number => {
      const r = results.find((x) => x.ruleId === id);
      return r?.ok ? r.rows.length : -1;
    };
    assert.equal(rows('exec-from-tmp'), 1);
    assert.equal(rows('shadow-read'), 1);
  });

  test('no rule reads older events without an index (plans stay bounded as the store grows)', () => {
    // Run every few milliseconds, a rule that scans a table, or every row
    // below its watermark, costs more as the store grows; SCAN of a new_*
    // source is fine (it is the id range of this pass).
    const unbounded = /^SCAN (?!new_)\w+_events\b|USING INTEGER PRIMARY KEY \(rowid<\?\)/;
    for (const { checked: c } of loaded.rules) {
      const sql = withNewEventSources(c.rule.query, c.query.newSources, c.query.hasWith);
      const params = Object.fromEntries(
        ['from_id', 'to_id', 'now_us'].filter((k) => sql.includes(`:${k}`)).map((k) => [k, 1]),
      );
      const plan = ctx.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[];
      const bad = plan.map((p) => p.detail).filter((d) => unbounded.test(d));
      assert.deepEqual(bad, [], `${c.rule.id}: ${plan.map((p) => p.detail).join('; ')}`);
    }
  });
});
