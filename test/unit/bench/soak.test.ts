import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SoakResult, slope, soakMarkdown } from '../../../bench/lib/soak.ts';

test('slope: least squares over the points; flat, rising and too few points', () => {
  assert.equal(slope([]), null);
  assert.equal(slope([[1, 5]]), null);
  assert.equal(
    slope([
      [1, 5],
      [1, 7],
    ]),
    null,
    'one x only: no slope',
  );
  assert.equal(
    slope([
      [0, 100],
      [1, 100],
      [2, 100],
    ]),
    0,
  );
  const rising = Array.from({ length: 60 }, (_, i) => [i, 200 + 0.5 * i + (i % 2 ? 0.2 : -0.2)] as const);
  assert.ok(Math.abs((slope(rising) ?? 0) - 0.5) < 0.01);
});

test('soakMarkdown: one row with the figures, dashes for what is unknown', () => {
  const r: SoakResult = {
    seconds: 60.4,
    execsPerSecond: 100,
    opensPerSecond: 2000,
    samples: [],
    idleRssMiB: 250.04,
    firstMinuteMiB: 260,
    lastMinuteMiB: 261,
    maxMiB: 270,
    slopeMiBPerMin: 0.123,
    cpuPercent: null,
    childCpuPercent: 41.6,
    events: 1234,
    lost: 0,
  };
  const md = soakMarkdown(r);
  assert.match(md, /Churn soak \(60 s: 100 execs\/s \+ 2000 opens\/s/);
  assert.match(md, /\| 250\.0 \| 260\.0 \| 261\.0 \| 270\.0 \| 0\.12 \| – \| 42 \| 1234 \| 0 \|/);
});
