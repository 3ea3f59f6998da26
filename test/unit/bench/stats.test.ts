import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  lossPercent,
  median,
  percentile,
  ratio,
  summarize,
  unfilteredLossPercent,
} from '../../../bench/lib/stats.ts';

test('median of odd and even counts, unsorted input', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('percentiles interpolate between ranks and clamp p', () => {
  const xs = Array.from({ length: 101 }, (_, i) => i); // 0..100
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([10, 20], 25), 12.5);
  assert.equal(percentile([1, 2, 3], 150), 3);
  assert.equal(percentile([1, 2, 3], -5), 1);
});

test('summarize skips missing values and reports the spread', () => {
  assert.deepEqual(summarize([3, null, 1, undefined, 2, Number.NaN]), { median: 2, min: 1, max: 3, n: 3 });
  assert.equal(summarize([null, undefined]), null);
});

test('ratio and loss handle missing and zero denominators', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(ratio(3, 0), null);
  assert.equal(ratio(null, 2), null);
  assert.equal(lossPercent(200, 150), 25);
  assert.equal(lossPercent(100, 120), 0, 'extra rows are not negative loss');
  assert.equal(lossPercent(0, 0), null);
});

test('a consumer that counts everything: the larger of reported drops and missing records', () => {
  assert.equal(unfilteredLossPercent(1000, 990, 0), 1);
  assert.equal(unfilteredLossPercent(1000, 1100, 100), (100 / 1200) * 100);
  assert.equal(unfilteredLossPercent(0, 0, 0), null);
});
