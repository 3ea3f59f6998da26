import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressVisible, startProgress, withProgress } from '../../../src/cli/format/progress.ts';

function tty(
  isTTY = true,
  columns = 80,
): { isTTY: boolean; columns: number; written: string[]; write(s: string): void } {
  const written: string[] = [];
  return { isTTY, columns, written, write: (s) => void written.push(s) };
}

const ESC = '\x1b';

test('silent unless stderr is a terminal, and never with --json or TERM=dumb', () => {
  for (const [stream, env, json] of [
    [tty(false), {}, false],
    [tty(true), {}, true],
    [tty(true), { TERM: 'dumb' }, false],
  ] as const) {
    const p = startProgress('counting', { stream, env, json });
    p.update('still counting', 1, 2);
    p.stop();
    assert.equal(p.visible, false);
    assert.deepEqual(stream.written, []);
  }
  assert.equal(progressVisible(tty(true), { TERM: 'xterm' }), true);
});

test('draws at once, redraws on a new label, erases the line on stop', () => {
  const stream = tty();
  const p = startProgress('loading x.bpf.o', { stream, env: { NO_COLOR: '1' } });
  assert.equal(p.visible, true);
  assert.deepEqual(stream.written, ['\r\x1b[K⠋ loading x.bpf.o']);
  p.update('re-load program 3', 1, 4);
  assert.equal(stream.written.at(-1), '\r\x1b[K⠙ re-load program 3 [#####...............] 1/4');
  p.stop();
  assert.equal(stream.written.at(-1), '\r\x1b[K');
  const n = stream.written.length;
  p.update('after stop');
  p.stop();
  assert.equal(stream.written.length, n, 'nothing after stop');
});

test('NO_COLOR: no colour codes, only the line control; colour otherwise', () => {
  const plain = tty();
  startProgress('x', { stream: plain, env: { NO_COLOR: '1' } }).stop();
  for (const s of plain.written) assert.ok(!s.replaceAll('\r\x1b[K', '').includes(ESC), JSON.stringify(s));
  const coloured = tty();
  startProgress('x', { stream: coloured, env: { TERM: 'xterm' } }).stop();
  assert.equal(coloured.written[0], '\r\x1b[K\x1b[36m⠋\x1b[39m x');
});

test('same-label updates are throttled; the line never wraps; labels are sanitised', () => {
  let now = 1000;
  const stream = tty(true, 20);
  const p = startProgress('a\x1b[31mb', { stream, env: { NO_COLOR: '1' }, now: () => now, throttleMs: 50 });
  assert.equal(stream.written[0], '\r\x1b[K⠋ a\\x1b[31mb');
  p.update('a\x1b[31mb', 1, 10);
  assert.equal(stream.written.length, 1, 'throttled');
  now += 50;
  p.update('a\x1b[31mb', 2, 10);
  assert.equal(stream.written.length, 2);
  assert.equal([...(stream.written[1] ?? '').replace('\r\x1b[K', '')].length, 19);
  assert.ok(stream.written[1]?.endsWith('…'));
  p.stop();
  // A terminal of unknown size (0 columns) still shows the label.
  const sizeless = tty(true, 0);
  startProgress('counting rows', { stream: sizeless, env: { NO_COLOR: '1' } }).stop();
  assert.equal(sizeless.written[0], '\r\x1b[K⠋ counting rows');
});

test('the spinner turns while the event loop is free', async () => {
  const stream = tty();
  await withProgress('waiting', { stream, env: { NO_COLOR: '1' }, intervalMs: 5 }, async () => {
    await new Promise((r) => setTimeout(r, 60));
  });
  const frames = new Set(stream.written.slice(0, -1).map((s) => s.slice(4, 5)));
  assert.ok(frames.size >= 3, `frames drawn: ${[...frames].join('')}`);
  assert.equal(stream.written.at(-1), '\r\x1b[K', 'erased at the end');
});

test('withProgress erases the line when the work throws', async () => {
  const stream = tty();
  await assert.rejects(
    withProgress('failing', { stream, env: {} }, () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(stream.written.at(-1), '\r\x1b[K');
});
