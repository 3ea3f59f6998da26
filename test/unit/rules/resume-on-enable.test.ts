/**
 * A rule enabled again resumes from now: the events stored while it was off
 * (by hand, by a rule file, or by its own failures) are not alerted on late.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import {
  getRuleState,
  recordRuleFailure,
  recordRuleRun,
  setRuleEnabled,
  upsertRule,
} from '../../../src/store/rules-store.ts';
import { insertExec, tempDb } from './helpers.ts';

const RULE: Rule = {
  id: 'r1',
  name: 'r1',
  description: '',
  severity: 'low',
  query: 'SELECT id FROM new_events',
  title: 'r1',
  tags: [],
  dedupe: null,
  throttleMs: 0,
  enabled: true,
};

test('enable after disable starts at the newest event; an enabled rule keeps its place', (t) => {
  const ctx = tempDb();
  t.after(() => {
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });
  const db = ctx.db;
  const now = Date.now() * 1000;
  upsertRule(db, RULE, 'cli', now);
  const first = insertExec(db, { filename: '/usr/bin/a' });
  recordRuleRun(db, 'r1', first, 0, now);
  assert.equal(getRuleState(db, 'r1')?.watermark, first);

  setRuleEnabled(db, 'r1', false, now);
  let last = 0;
  for (let i = 0; i < 5; i++) last = insertExec(db, { filename: `/tmp/off${i}` });
  setRuleEnabled(db, 'r1', true, now);
  assert.equal(getRuleState(db, 'r1')?.watermark, last, 'resumes from now');

  // Enabling a rule that is already on does not skip what it has not read yet.
  const unread = insertExec(db, { filename: '/usr/bin/b' });
  setRuleEnabled(db, 'r1', true, now);
  assert.equal(getRuleState(db, 'r1')?.watermark, last);
  assert.ok(unread > last);

  // Disabled by its failures, then enabled: from now too.
  for (let i = 0; i < 3; i++) recordRuleFailure(db, 'r1', 'boom', now, 3);
  const late = insertExec(db, { filename: '/tmp/late' });
  setRuleEnabled(db, 'r1', true, now);
  assert.equal(getRuleState(db, 'r1')?.watermark, late);

  // A rule file that turns it off and on again.
  upsertRule(db, { ...RULE, enabled: false }, 'file', now, 'set-enabled');
  const whileOff = insertExec(db, { filename: '/tmp/x' });
  upsertRule(db, RULE, 'file', now, 'set-enabled');
  assert.equal(getRuleState(db, 'r1')?.watermark, whileOff);
});
