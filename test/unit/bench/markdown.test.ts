import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmt, fmtSummary, markdownTable } from '../../../bench/lib/markdown.ts';

test('a table has a header, an alignment rule and padded rows', () => {
  const t = markdownTable(
    ['name', 'n'],
    [
      ['exec', '1,000'],
      ['open', '5'],
    ],
    ['left', 'right'],
  );
  assert.equal(
    t,
    ['| name |     n |', '|------|------:|', '| exec | 1,000 |', '| open |     5 |'].join('\n'),
  );
});

test('cells are escaped and missing cells are empty', () => {
  const t = markdownTable(['a', 'b'], [['x|y\nz']]);
  assert.match(t, /\| x\\\|y z \| {5}\|/);
});

test('numbers: separators, decimals, a dash when missing; summaries show the spread', () => {
  assert.equal(fmt(1234567), '1,234,567');
  assert.equal(fmt(1.005, 2), '1.01');
  assert.equal(fmt(null), '–');
  assert.equal(fmt(Number.NaN), '–');
  assert.equal(fmtSummary({ median: 2, min: 1, max: 3, n: 3 }, 1), '2.0 (1.0–3.0)');
  assert.equal(fmtSummary({ median: 2, min: 2, max: 2, n: 3 }), '2');
  assert.equal(fmtSummary({ median: 2, min: 1, max: 3, n: 1 }), '2');
  assert.equal(fmtSummary(null), '–');
});
