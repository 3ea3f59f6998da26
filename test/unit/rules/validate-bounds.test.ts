/**
 * The rule validator gives the same answer wherever it runs: its bounds are
 * checked on the tokens before any recursive reader, so a thread with a
 * small stack (the CLI) and one with a larger one (the API's worker) agree.
 * Also: what SQLite runs and the validator once refused (a CTE column list,
 * window frames, OVER without PARTITION BY), and located messages after a
 * rewritten window.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { formatViolation, validateRuleQuery } from '../../../src/domain/rules/validate.ts';
import { RULE_CATALOG } from '../../../src/store/rule-catalog.ts';
import { loadRuleFile, RuleDefinitionError } from '../../../src/store/rule-file.ts';
import { tempDb } from './helpers.ts';

const verdict = (sql: string): string => {
  const v = validateRuleQuery(sql, RULE_CATALOG);
  return v.ok ? 'ok' : v.violations.map(formatViolation).join('\n');
};

const BOUNDED = [
  `SELECT id FROM new_events WHERE id > ${'(SELECT '.repeat(900)}1${')'.repeat(900)}`,
  `SELECT id FROM new_events WHERE id > ${'(SELECT '.repeat(200)}1${')'.repeat(200)}`,
  `SELECT id FROM new_events WHERE id > ${Array(6000).fill('1').join('+')}`,
  `SELECT id FROM new_events WHERE id > ${Array(990).fill('1').join('+')}`,
  `SELECT id FROM new_events WHERE comm = char(${Array(4000).fill('65').join(',')})`,
];

test('every deep or long query gets a located message, never a stack overflow', () => {
  for (const sql of BOUNDED) {
    const v = verdict(sql);
    assert.doesNotMatch(v, /call stack/i, sql.slice(0, 80));
    if (v !== 'ok') assert.match(v, /^line 1, column \d+: /);
  }
  assert.notEqual(verdict(BOUNDED[0] as string), 'ok');
  assert.notEqual(verdict(BOUNDED[2] as string), 'ok');
  assert.equal(verdict(BOUNDED[3] as string), 'ok', 'a 990-term sum is within the bounds and checks');
});

test('a worker with a large stack and one with a small stack give the same verdicts', async () => {
  const run = (stackSizeMb: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const w = new Worker(
        `import { validateRuleQuery, formatViolation } from ${JSON.stringify(new URL('../../../src/domain/rules/validate.ts', import.meta.url).href)};
         import { RULE_CATALOG } from ${JSON.stringify(new URL('../../../src/store/rule-catalog.ts', import.meta.url).href)};
         import { parentPort, workerData } from 'node:worker_threads';
         parentPort.postMessage(workerData.map((q) => { const v = validateRuleQuery(q, RULE_CATALOG); return v.ok ? 'ok' : v.violations.map(formatViolation).join('\\n'); }));`,
        { eval: true, workerData: BOUNDED, resourceLimits: { stackSizeMb } },
      );
      w.once('message', resolve);
      w.once('error', reject);
    });
  const [small, large] = await Promise.all([run(1), run(16)]);
  assert.deepEqual(small, large);
  assert.deepEqual(small, BOUNDED.map(verdict));
});

test('a CTE column list names columns', () => {
  assert.equal(verdict('WITH c(x) AS (SELECT id FROM new_events) SELECT x FROM c WHERE x > 1'), 'ok');
  assert.match(verdict('WITH c(x) AS (SELECT id FROM new_events) SELECT y FROM c'), /unknown column y/);
});

test('window frames and OVER without PARTITION BY are read as SQLite reads them', () => {
  for (const sql of [
    'SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS n FROM new_events',
    'SELECT id, sum(pid) OVER (PARTITION BY comm ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM new_events',
    'SELECT id, lag(id) OVER (ORDER BY id) AS p FROM new_events',
    'SELECT id, count(*) OVER (ORDER BY id GROUPS 2 PRECEDING EXCLUDE CURRENT ROW) AS n FROM new_events',
  ]) {
    assert.equal(verdict(sql), 'ok', sql);
  }
  // Positions after a rewritten window are the rule's own.
  const sql = 'SELECT id, count(*) OVER (ORDER BY id) FROM new_events WHERE nosuch(id) > 1';
  assert.equal(verdict(sql), `line 1, column ${sql.indexOf('nosuch') + 1}: function nosuch() is not allowed`);
  const bad = 'SELECT id, count(*) OVER (ORDER BY id) AS n FROM new_events WHERE id >> > 1';
  assert.match(verdict(bad), new RegExp(`^line 1, column ${bad.indexOf('> 1') + 1}: syntax error`));
  assert.match(
    verdict('SELECT count(*) OVER (ORDER BY id ROWS nosuch(1) PRECEDING) FROM new_events'),
    /window frame: nosuch/,
  );
});

test('the accepted window queries run in SQLite', (t) => {
  const ctx = tempDb();
  t.after(() => {
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });
  ctx.db.exec('CREATE TEMP VIEW new_events AS SELECT * FROM events');
  const rows = ctx.db
    .prepare(
      'SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS n FROM new_events',
    )
    .all();
  assert.ok(Array.isArray(rows));
});

test('a rule file with several bad rules reports every one of them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'r.yaml');
  writeFileSync(
    file,
    [
      'rules:',
      '  - { id: one, name: one, severity: low, query: "SELECT nosuch FROM new_events" }',
      '  - { id: two, name: two, severity: low, query: "SELECT id FROM new_events" }',
      '  - { id: three, name: three, severity: bogus, query: "SELECT id FROM new_events" }',
      '  - { id: four, name: four, severity: low, query: "DELETE FROM alerts" }',
    ].join('\n'),
  );
  assert.throws(
    () => loadRuleFile(file),
    (err: unknown) => {
      assert.ok(err instanceof RuleDefinitionError);
      assert.match(err.message, /rule one: query rejected:\n {2}line 1, column 8: unknown column nosuch/);
      assert.match(err.message, /rule three: severity/);
      assert.match(err.message, /rule four: query rejected:\n {2}line 1, column 1: only SELECT/);
      assert.doesNotMatch(err.message, /rule two/);
      return true;
    },
  );
});
