import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LogHistogram } from '../../../src/domain/histogram.ts';

test('quantiles of a known distribution are within the bucket precision', () => {
  const h = new LogHistogram();
  for (let v = 1; v <= 10_000; v++) h.record(v);
  assert.equal(h.count, 10_000);
  assert.equal(h.max, 10_000);
  const p50 = h.quantile(0.5);
  const p99 = h.quantile(0.99);
  assert.ok(p50 >= 5000 && p50 <= 5000 * 1.07, `p50 ${p50}`);
  assert.ok(p99 >= 9900 && p99 <= 10_000, `p99 ${p99}`);
  assert.equal(h.quantile(1), 10_000);
});

test('empty, reset, and odd values (zero, negative, NaN) do not break it', () => {
  const h = new LogHistogram();
  assert.equal(h.quantile(0.5), 0);
  h.record(0);
  h.record(-5);
  h.record(Number.NaN);
  assert.equal(h.count, 3);
  assert.ok(h.quantile(0.99) <= 2);
  h.reset();
  assert.equal(h.count, 0);
  assert.equal(h.quantile(0.99), 0);
});

test('a quantile never exceeds the max and is at least the true value / 1.07 (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 1e9 }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      (values, q) => {
        const h = new LogHistogram();
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const est = h.quantile(q);
        return est <= Math.max(...values) && est >= truth / 1.07 && est <= truth * 1.07 + 1;
      },
    ),
  );
});
