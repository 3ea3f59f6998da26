/** Pure rule logic: backoff, circuit breaker, routing, alert drafts, the lexer, new-event sources. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  dedupeTemplate,
  draftAlert,
  eventIdsOf,
  renderTemplate,
} from '../../../src/domain/rules/alert-draft.ts';
import { backoffMs } from '../../../src/domain/rules/backoff.ts';
import { CircuitBreaker } from '../../../src/domain/rules/circuit-breaker.ts';
import { routeAlert } from '../../../src/domain/rules/routing.ts';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import { splitStatements, tokenize } from '../../../src/domain/rules/sql-lexer.ts';
import { validateRuleQuery } from '../../../src/domain/rules/validate.ts';
import { RULE_CATALOG, withNewEventSources } from '../../../src/store/rule-catalog.ts';

const rule: Rule = {
  id: 'r1',
  name: 'n',
  description: '',
  severity: 'high',
  query: 'SELECT id FROM new_events',
  title: '{comm} ran {path}',
  tags: ['T1059'],
  dedupe: 'pid',
  throttleMs: 0,
  enabled: true,
};

describe('backoff', () => {
  test('grows exponentially, stays within [exp/2, exp] and under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, r) => {
          const d = backoffMs(n, { baseMs: 100, maxMs: 10_000 }, () => r);
          const exp = Math.min(10_000, 100 * 2 ** (n - 1));
          return d >= exp / 2 - 1 && d <= exp + 1;
        },
      ),
    );
    assert.equal(
      backoffMs(1, { baseMs: 100, maxMs: 1000 }, () => 0.999999),
      100,
    );
    assert.equal(
      backoffMs(3, { baseMs: 100, maxMs: 1000 }, () => 0),
      200,
    );
  });
});

describe('circuit breaker', () => {
  test('opens after the threshold, half-opens after the cooldown, closes on success', () => {
    const b = new CircuitBreaker({ threshold: 3, cooldownMs: 100 });
    assert.ok(b.allow(0));
    b.failure(0);
    b.failure(1);
    assert.equal(b.state(2), 'closed');
    b.failure(2);
    assert.equal(b.state(3), 'open');
    assert.equal(b.allow(50), false);
    assert.equal(b.state(102), 'half-open');
    assert.equal(b.allow(102), true, 'one trial');
    assert.equal(b.allow(103), false, 'only one trial at a time');
    b.failure(110);
    assert.equal(b.state(111), 'open', 'a failed trial reopens');
    assert.ok(b.allow(210));
    b.success();
    assert.equal(b.state(211), 'closed');
    assert.equal(b.opened, 2);
  });
});

describe('routing', () => {
  const draft = draftAlert(rule, { id: 5, pid: 9, comm: 'sh', path: '/tmp/x', type: 'exec' }, 1, []);
  test('by minimum severity, tags, event types and rules', () => {
    assert.deepEqual(
      routeAlert(
        [
          { sinks: ['a'], minSeverity: 'critical' },
          { sinks: ['b'], minSeverity: 'medium' },
          { sinks: ['c'], tags: ['T1003'] },
          { sinks: ['d'], tags: ['T1059'], eventTypes: ['exec'] },
          { sinks: ['e'], eventTypes: ['open'] },
          { sinks: ['b', 'f'], rules: ['r1'] },
          { sinks: ['g'], rules: ['other'] },
        ],
        draft,
      ),
      ['b', 'd', 'f'],
    );
  });
});

describe('alert drafts', () => {
  test('title, dedupe key and event ids from the row', () => {
    const d = draftAlert(rule, { id: 5, pid: 9n, comm: 'sh', path: '/tmp/x', type: 'exec' }, 1, [
      'exec',
      'fork',
    ]);
    assert.equal(d.title, 'sh ran /tmp/x');
    assert.equal(d.dedupeKey, '9');
    assert.deepEqual(d.eventIds, [5]);
    assert.deepEqual(d.eventTypes, ['exec']);
    assert.equal(d.details.pid, 9);
  });
  test('event_ids as group_concat or JSON', () => {
    assert.deepEqual(eventIdsOf({ event_ids: '3,4,5' }), [3, 4, 5]);
    assert.deepEqual(eventIdsOf({ event_ids: '[7, 8]' }), [7, 8]);
    assert.deepEqual(eventIdsOf({ event_id: 2n, id: 1 }), [2]);
  });
  test('templates', () => {
    assert.equal(renderTemplate('{a}:{b}:{missing}', { a: 1, b: 'x' }), '1:x:?');
    assert.equal(dedupeTemplate('pid'), '{pid}');
    assert.equal(dedupeTemplate('{pid}:{path}'), '{pid}:{path}');
  });
});

describe('lexer', () => {
  test('splits statements as SQLite does, ignoring ; in strings, identifiers and comments', () => {
    const t = tokenize(`SELECT 'a;b', "c;d", [e;f] -- ;\n/* ; */ FROM x; SELECT 2`);
    assert.equal(splitStatements(t).length, 2);
    assert.equal(splitStatements(tokenize("SELECT 'it''s'")).length, 1);
  });
});

describe('validation', () => {
  test('accepts windowed correlation and CTEs, with new-event sources', () => {
    const q = `WITH f AS (SELECT pid, id FROM new_file_events WHERE result < 0)
      SELECT f.pid, count(*) AS n FROM f JOIN file_events e ON e.pid = f.pid
      WHERE e.time_us >= :now_us - 60000000 GROUP BY f.pid HAVING n > 10`;
    const v = validateRuleQuery(q, RULE_CATALOG);
    assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.violations));
    if (!v.ok) return;
    const sql = withNewEventSources(q, v.query.newSources, v.query.hasWith);
    assert.match(
      sql,
      /^WITH new_file_events AS MATERIALIZED \(SELECT \* FROM file_events WHERE id > :from_id AND id <= :to_id\),\n f AS/,
    );
  });
  test('positions point at the offending name', () => {
    const v = validateRuleQuery(
      'SELECT id,\n  upper(comm), hex(x), randomblob(4)\nFROM new_events',
      RULE_CATALOG,
    );
    assert.equal(v.ok, false);
    if (v.ok) return;
    const m = v.violations.find((x) => x.message.includes('randomblob'));
    assert.deepEqual([m?.line, m?.column], [2, 24]);
  });
});
