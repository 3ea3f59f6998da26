import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useColor } from '../../../src/cli/format/color.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('colour on a terminal by default', () => {
  assert.equal(useColor(tty, { TERM: 'xterm-256color' }), true);
  assert.equal(useColor(tty, {}), true);
});

test('no colour when not a terminal, TERM=dumb, or NO_COLOR is set', () => {
  assert.equal(useColor(pipe, {}), false);
  assert.equal(useColor({}, {}), false);
  assert.equal(useColor(tty, { TERM: 'dumb' }), false);
  assert.equal(useColor(tty, { NO_COLOR: '1' }), false);
  assert.equal(useColor(tty, { NO_COLOR: 'false' }), false, 'any non-empty value counts');
  assert.equal(useColor(tty, { NO_COLOR: '' }), true, 'no-color.org: an empty NO_COLOR is not set');
});

test('FORCE_COLOR forces it on, even through a pipe, but not against NO_COLOR; 0/false forces it off', () => {
  assert.equal(useColor(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(useColor(pipe, { FORCE_COLOR: '' }), true);
  assert.equal(useColor(tty, { FORCE_COLOR: '1', TERM: 'dumb' }), true);
  assert.equal(useColor(tty, { FORCE_COLOR: '1', NO_COLOR: '1' }), false, 'NO_COLOR wins');
  assert.equal(useColor(tty, { FORCE_COLOR: '0' }), false);
  assert.equal(useColor(tty, { FORCE_COLOR: 'false' }), false);
});
