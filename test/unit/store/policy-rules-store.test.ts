/** Policy rules in SQLite: ids never reused, config rules win on a shared id, every change logged. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/store/database.ts';
import {
  addPolicyRule,
  listPolicyChanges,
  listPolicyRules,
  removePolicyRule,
  syncConfigRules,
} from '../../../src/store/policy-rules-store.ts';
import { tempDir } from './fixtures.ts';

const cli = { actor: 'cli' as const, user: 'alice' };

test("CLI rules get fresh ids, never a removed rule's", (t) => {
  const db = openDatabase(join(tempDir(t), 'p.db'));
  t.after(() => db.close());
  const a = addPolicyRule(db, 'egress', { action: 'deny', cidr: '10.0.0.0/8' }, cli, 1);
  const b = addPolicyRule(db, 'exec', { action: 'kill', path: '/usr/bin/nc' }, cli, 2);
  assert.deepEqual([a, b], [1, 2]);
  assert.equal(removePolicyRule(db, b, cli, 3)?.kind, 'exec');
  assert.equal(removePolicyRule(db, b, cli, 4), undefined, 'already gone');
  const c = addPolicyRule(db, 'egress', { action: 'audit' }, cli, 5);
  assert.equal(c, 3, 'the removed id 2 is not reused');
  assert.deepEqual(
    listPolicyRules(db).map((r) => [r.id, r.kind, r.source, r.body]),
    [
      [1, 'egress', 'cli', { action: 'deny', cidr: '10.0.0.0/8' }],
      [3, 'egress', 'cli', { action: 'audit' }],
    ],
  );
  assert.deepEqual(
    listPolicyChanges(db).map((ch) => [ch.op, ch.ruleId, ch.user, ch.before !== null, ch.after !== null]),
    [
      ['add', 1, 'alice', false, true],
      ['add', 2, 'alice', false, true],
      ['rm', 2, 'alice', true, false],
      ['add', 3, 'alice', false, true],
    ],
  );
});

test("the configuration's rules are recorded; on a shared id the file wins; dropped ones go", (t) => {
  const db = openDatabase(join(tempDir(t), 'p.db'));
  t.after(() => db.close());
  addPolicyRule(db, 'egress', { action: 'deny' }, cli, 1); // id 1
  const first = syncConfigRules(
    db,
    [
      { id: 1, kind: 'exec', body: { action: 'kill', path: '/bin/nc' } },
      { id: 50, kind: 'egress', body: { action: 'audit' } },
    ],
    'root',
    2,
  );
  assert.deepEqual(first, { added: [50], replaced: [1], removed: [] });
  assert.deepEqual(
    listPolicyRules(db).map((r) => [r.id, r.kind, r.source]),
    [
      [1, 'exec', 'config'],
      [50, 'egress', 'config'],
    ],
  );
  const again = syncConfigRules(
    db,
    [{ id: 1, kind: 'exec', body: { action: 'kill', path: '/bin/nc' } }],
    'root',
    3,
  );
  assert.deepEqual(again, { added: [], replaced: [], removed: [50] }, 'unchanged rules are not touched');
  const log = listPolicyChanges(db);
  assert.deepEqual(
    log.map((c) => [c.actor, c.op, c.ruleId]),
    [
      ['cli', 'add', 1],
      ['config', 'replace', 1],
      ['config', 'add', 50],
      ['config', 'rm', 50],
    ],
  );
  assert.deepEqual(log[1]?.before, { action: 'deny' }, 'the replaced CLI rule is kept in the log');
  assert.equal(addPolicyRule(db, 'egress', { action: 'deny' }, cli, 4), 51, 'above config ids too');
});
