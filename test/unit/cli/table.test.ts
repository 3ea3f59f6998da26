import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable, sanitize } from '../../../src/cli/format/table.ts';

const columns = [{ header: 'NAME' }, { header: 'N', align: 'right' as const }, { header: 'NOTE', max: 6 }];

test('columns are aligned, right-aligned where asked, with no trailing spaces', () => {
  const out = renderTable(
    columns,
    [
      ['a', '1', 'x'],
      ['longer', '100', 'yz'],
    ],
    { color: false },
  );
  assert.equal(out, ['NAME      N  NOTE', 'a         1  x', 'longer  100  yz', ''].join('\n'));
});

test('long cells are truncated with … at max', () => {
  const out = renderTable(columns, [['a', '1', 'abcdefghij']], { color: false });
  assert.equal(out.split('\n')[1], 'a     1  abcde…');
  const exact = renderTable(columns, [['a', '1', 'abcdef']], { color: false });
  assert.equal(exact.split('\n')[1], 'a     1  abcdef', 'a cell exactly max wide is kept whole');
});

test('bold header only with colour on', () => {
  const plain = renderTable(columns, [['a', '1', 'x']], { color: false });
  const colored = renderTable(columns, [['a', '1', 'x']], { color: true });
  assert.equal(plain.includes('\x1b'), false);
  assert.ok(colored.startsWith('\x1b[1mNAME'));
  assert.equal(colored.split('\n')[0], '\x1b[1mNAME  N  NOTE\x1b[22m');
  assert.equal(colored.split('\n')[1], 'a     1  x', 'rows are not styled');
});

test('control characters in cells are made visible so data cannot drive the terminal', () => {
  const out = renderTable([{ header: 'A' }], [['evil\x1b[2Jname\nnext\u009b']], { color: false });
  assert.equal(out.includes('\x1b'), false);
  assert.equal(out.split('\n')[1], 'evil\\x1b[2Jname\\nnext\\x9b');
  assert.equal(sanitize('tab\there'), 'tab\\there');
});

test('width counts code points, and many rows do not overflow', () => {
  const out = renderTable([{ header: 'X' }, { header: 'Y' }], [['😀😀', 'y']], { color: false });
  assert.equal(out.split('\n')[1], '😀😀  y');
  const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), 'y']);
  const big = renderTable([{ header: 'X' }, { header: 'Y' }], rows, { color: false });
  assert.equal(big.split('\n')[1], '0       y');
});
