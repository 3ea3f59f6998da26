import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleCosts } from '../../../src/domain/rules/rule-costs.ts';

const S = { intervalMs: 25, maxBusyPercent: 25, slowRuleMs: 100 };

test('a run over slowRuleMs moves the rule to its own lane, paced by its cost', () => {
  const c = new RuleCosts(S);
  assert.equal(c.observe('cheap', 3, 1000), false);
  assert.equal(c.isSlow('cheap'), false);
  // The first run (cold cache, statement prepared) never moves a rule.
  assert.equal(c.observe('slow', 900, 0), false);
  assert.equal(c.observe('slow', 400, 1000), true);
  assert.equal(c.isSlow('slow'), true);
  // 400 ms at a 25 % share: 1,200 ms of pause before its next run.
  assert.equal(c.nextSlowDueMs(), 2200);
  assert.equal(c.dueSlow(['slow', 'cheap'], 2199), undefined);
  assert.equal(c.dueSlow(['slow', 'cheap'], 2200), 'slow');
});

test('a slow rule rejoins the shared pass only once its smoothed cost is under a quarter of the threshold', () => {
  const c = new RuleCosts(S);
  c.observe('r', 300, 0);
  c.observe('r', 300, 0);
  // One cheap run does not bring it back (the smoothed cost is still high).
  assert.equal(c.observe('r', 1, 0), false);
  assert.equal(c.isSlow('r'), true);
  let moved = false;
  for (let i = 0; i < 20 && !moved; i++) moved = c.observe('r', 1, 0);
  assert.equal(moved, true);
  assert.equal(c.isSlow('r'), false);
  assert.ok((c.costMs('r') ?? 100) < 25);
  assert.equal(c.nextSlowDueMs(), undefined);
});

test('an overrun counts as slow whatever its time; the longest overdue slow rule goes first', () => {
  const c = new RuleCosts(S);
  assert.equal(c.observe('a', 50, 0, true), true);
  c.observe('b', 200, 0);
  c.observe('b', 200, 0);
  // a: due at 150; b: due at 600.
  assert.equal(c.dueSlow(['a', 'b'], 1000), 'a');
  assert.equal(c.dueSlow(['b'], 1000), 'b');
  c.keepOnly(new Set(['b']));
  assert.equal(c.isSlow('a'), false);
  assert.equal(c.dueSlow(['a', 'b'], 1000), 'b');
});
