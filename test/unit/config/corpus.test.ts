/**
 * The broken-config corpus: each fixture in test/fixtures/config-bad is one
 * mistake (a file, a directory holding two layer files, or a .env list of
 * variables) with the one message it must produce in NAME.expected
 * ($FILE stands for the fixture's path).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explainConfig } from '../../../src/agent/config.ts';
import { formatProblem } from '../../../src/config/problem.ts';
import { projectRoot } from '../../../src/host/paths.ts';

const DIR = join(projectRoot(), 'test', 'fixtures', 'config-bad');

function envFile(path: string): NodeJS.ProcessEnv {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function problemsOf(path: string): string[] {
  let r: ReturnType<typeof explainConfig>;
  if (statSync(path).isDirectory()) r = explainConfig({ dirs: [path], env: {} });
  else if (path.endsWith('.env')) r = explainConfig({ dirs: [], env: envFile(path) });
  else r = explainConfig({ file: path, env: {} });
  return r.ok ? [] : r.problems.map(formatProblem);
}

const cases = readdirSync(DIR)
  .filter((n) => !n.endsWith('.expected'))
  .sort();

test('the corpus covers every kind of mistake', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
  for (const kind of ['.yaml', '.yml', '.json', '.toml', '.env']) {
    assert.ok(
      cases.some((c) => c.endsWith(kind)),
      `no ${kind} case`,
    );
  }
  assert.ok(
    cases.some((c) => statSync(join(DIR, c)).isDirectory()),
    'no duplicate-layer case',
  );
});

for (const name of cases) {
  test(`config-bad/${name}: exactly one precise message`, () => {
    const path = join(DIR, name);
    const base = statSync(path).isDirectory() ? name : name.replace(/\.[^.]+$/, '');
    const expected = readFileSync(join(DIR, `${base}.expected`), 'utf8')
      .trimEnd()
      .replaceAll('$FILE', path);
    assert.deepEqual(problemsOf(path), [expected]);
  });
}
