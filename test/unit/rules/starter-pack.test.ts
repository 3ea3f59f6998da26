/** The starter pack under rules/: at least 15 rules, all valid, each runs cleanly against a real store. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RuleRunner } from '../../../src/agent/detection/rule-runner.ts';
import { projectRoot } from '../../../src/host/paths.ts';
import { withNewEventSources } from '../../../src/store/rule-catalog.ts';
import { loadRuleDirectories } from '../../../src/store/rule-file.ts';
import { insertConnect, insertExec, insertOpen, tempDb } from './helpers.ts';

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

  test('rare-outbound-port: a destination on a rare port not contacted in a day, and only that', async () => {
    const { checked: c } = loaded.rules.find((r) => r.checked.rule.id === 'rare-outbound-port')!;
    const nowUs = Date.now() * 1000;
    const day = 86_400_000_000;
    insertConnect(ctx.db, { remoteAddr: '10.9.9.9', remotePort: 4444, timeUs: nowUs - 2 * day });
    const watermark = insertConnect(ctx.db, {
      remoteAddr: '10.9.9.8',
      remotePort: 4444,
      timeUs: nowUs - day / 24,
    });
    insertConnect(ctx.db, { remoteAddr: '10.9.9.9', remotePort: 4444 }); // last seen two days ago
    insertConnect(ctx.db, { remoteAddr: '10.9.9.8', remotePort: 4444 }); // seen an hour ago
    insertConnect(ctx.db, { remoteAddr: '10.9.9.7', remotePort: 443 }); // a usual port
    insertConnect(ctx.db, { remoteAddr: '10.9.9.6', remotePort: 5555 }); // never seen
    const [r] = await runner.run([
      {
        ruleId: c.rule.id,
        sql: withNewEventSources(c.rule.query, c.query.newSources, c.query.hasWith),
        fromId: watermark,
        nowUs,
        maxRows: 100,
      },
    ]);
    assert.ok(r?.ok, r && !r.ok ? r.error : 'no result');
    assert.deepEqual(r.rows.map((x) => `${x.remote_addr}:${x.remote_port}`).sort(), [
      '10.9.9.6:5555',
      '10.9.9.9:4444',
    ]);
  });
  test('memfd-exec: the filenames and comm the kernel records for a fileless exec, and only those', async () => {
    const { checked: c } = loaded.rules.find((r) => r.checked.rule.id === 'memfd-exec')!;
    const watermark = insertExec(ctx.db, { filename: '/usr/bin/true', comm: 'true' });
    // As stored from python3 os.execve(memfd, ...) and os.execve('/proc/self/fd/3', ...).
    const hits = [
      insertExec(ctx.db, { filename: '/dev/fd/3', comm: 'memfd:bwfileles' }),
      insertExec(ctx.db, { filename: '/proc/self/fd/3', comm: '3' }),
      insertExec(ctx.db, { filename: '/proc/4242/fd/7', comm: '7' }),
      insertExec(ctx.db, { filename: '/usr/bin/x', comm: 'memfd:x' }),
    ];
    insertExec(ctx.db, { filename: '/usr/bin/fdisk', comm: 'fdisk' });
    insertExec(ctx.db, { filename: '/proc/self/exe', comm: 'exe' });
    const [r] = await runner.run([
      {
        ruleId: c.rule.id,
        sql: withNewEventSources(c.rule.query, c.query.newSources, c.query.hasWith),
        fromId: watermark,
        nowUs: Date.now() * 1000,
        maxRows: 100,
      },
    ]);
    assert.ok(r?.ok, r && !r.ok ? r.error : 'no result');
    assert.deepEqual(
      r.rows.map((x) => Number(x.id)),
      hits,
    );
  });
});
