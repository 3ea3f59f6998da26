/**
 * One slow rule does not hold the others back: it leaves the shared pass
 * and runs on its own, so a cheap rule raises its alert while the slow one
 * is still inside its statement.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { AlertsConfigSchema, RulesConfigSchema } from '../../../src/agent/detection/config.ts';
import { DetectionEngine } from '../../../src/agent/detection/engine.ts';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import { getRuleState, upsertRule } from '../../../src/store/rules-store.ts';
import { insertExec, tempDb } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rule(id: string, query: string): Rule {
  return {
    id,
    name: id,
    description: '',
    severity: 'low',
    query,
    title: id,
    tags: [],
    dedupe: null,
    throttleMs: 0,
    enabled: true,
  };
}

async function until(what: string, f: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('a slow rule runs on its own: a cheap rule alerts while the slow one is mid-run', async (t) => {
  const ctx = tempDb();
  const logs: string[] = [];
  // Several hundred rows make the three-way join take a good fraction of a second per run.
  for (let i = 0; i < 220; i++) insertExec(ctx.db, { filename: '/bin/filler', comm: 'filler' });
  const now = Date.now() * 1000;
  upsertRule(
    ctx.db,
    rule(
      'slow',
      'SELECT n.id FROM new_process_events n JOIN (SELECT count(*) AS k FROM process_events a JOIN process_events b ON b.comm = a.comm JOIN process_events c ON c.comm = b.comm) x ON x.k < 0',
    ),
    'test',
    now,
  );
  upsertRule(ctx.db, rule('canary', "SELECT id FROM new_process_events WHERE comm = 'canary'"), 'test', now);
  const engine = new DetectionEngine({
    db: ctx.db,
    dbPath: ctx.path,
    rules: RulesConfigSchema.parse({ directory: `${ctx.dir}/none`, intervalMs: 10, timeoutMs: 60_000 }),
    alerts: AlertsConfigSchema.parse({}),
    log: (l) => logs.push(l),
  });
  t.after(async () => {
    await engine.stop();
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });
  engine.start();
  // Rules start from the newest event: give them events to see (a rule's first run never moves it).
  let last = 0;
  await until('the slow rule to leave the shared pass', () => {
    if (Date.now() - last > 200) {
      insertExec(ctx.db, { filename: '/bin/filler', comm: 'filler' });
      last = Date.now();
    }
    return engine.isSlow('slow');
  }).catch((e) => {
    throw new Error(`${e.message}\n${logs.join('\n')}`);
  });
  assert.equal(engine.isSlow('canary'), false);
  assert.equal(getRuleState(ctx.db, 'slow')?.slow, true);
  assert.ok(
    logs.some((l) => /rule slow runs on its own/.test(l)),
    logs.join('\n'),
  );

  const alertsOf = (id: string): number =>
    Number((ctx.db.prepare('SELECT count(*) AS n FROM alerts WHERE rule_id = ?').get(id) as { n: number }).n);
  for (let round = 0; round < 3; round++) {
    // New events for both rules; wait until the slow rule is inside its run.
    insertExec(ctx.db, { filename: '/bin/filler', comm: 'filler' });
    await until('the slow rule to start a run', () => engine.running().includes('slow'));
    const slowRuns = getRuleState(ctx.db, 'slow')?.runs ?? 0;
    const before = alertsOf('canary');
    insertExec(ctx.db, { filename: '/bin/canary', comm: 'canary' });
    await until('the canary alert', () => alertsOf('canary') > before);
    // The canary's alert is stored while the slow run is still under way.
    assert.ok(engine.running().includes('slow'), `round ${round}: the slow run ended first`);
    assert.equal(getRuleState(ctx.db, 'slow')?.runs, slowRuns);
    await until('the slow run to end', () => !engine.running().includes('slow'));
  }
  const s = getRuleState(ctx.db, 'slow');
  assert.ok(s && s.lastRunMs !== null && s.lastRunMs > 100, `slow rule cost ${s?.lastRunMs}`);
  assert.ok((getRuleState(ctx.db, 'canary')?.totalRunMs ?? -1) >= 0);
});
