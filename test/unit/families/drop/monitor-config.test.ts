import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropFamily } from '../../../../src/families/drop/index.ts';
import { tokenBucket } from '../../../../src/families/drop/monitor.ts';

test('token bucket: each CPU gets an equal share of the rate, rounded so the sum never exceeds it', () => {
  assert.deepEqual(tokenBucket(1000, 2), { costNs: 2_000_000n, burstNs: 1_000_000_000n });
  assert.deepEqual(tokenBucket(1000, 1), { costNs: 1_000_000n, burstNs: 1_000_000_000n });
  // 3 CPUs at 7/s: 3e9/7 = 428571428.57 ns, rounded up.
  assert.equal(tokenBucket(7, 3).costNs, 428_571_429n);
  for (const [rate, cpus] of [
    [7, 3],
    [1000, 64],
    [1, 1],
    [999_983, 7],
  ] as const) {
    const b = tokenBucket(rate, cpus);
    const perCpuPerSecond = Number(b.burstNs / b.costNs);
    assert.ok(perCpuPerSecond * cpus <= rate, `${rate}/s on ${cpus} CPUs`);
  }
});

test('token bucket: 0 means no limit', () => {
  assert.equal(tokenBucket(0, 4).costNs, 0n);
});

test('config: defaults, and what is refused', () => {
  assert.deepEqual(dropFamily.monitorConfig.parse(undefined), {
    enabled: true,
    ringBufferBytes: 1 << 20,
    maxEventsPerSecond: 1000,
    excludeSelf: true,
  });
  assert.equal(dropFamily.monitorConfig.parse({ excludeSelf: false }).excludeSelf, false);
  assert.equal(dropFamily.monitorConfig.safeParse({ excludeSelf: 'yes' }).success, false);
  assert.equal(dropFamily.monitorConfig.parse({ maxEventsPerSecond: 0 }).maxEventsPerSecond, 0);
  assert.equal(dropFamily.monitorConfig.safeParse({ maxEventsPerSecond: -1 }).success, false);
  assert.equal(dropFamily.monitorConfig.safeParse({ maxEventsPerSecond: 1.5 }).success, false);
  assert.equal(dropFamily.monitorConfig.safeParse({ ringBufferBytes: 5000 }).success, false);
  assert.equal(dropFamily.monitorConfig.safeParse({ rate: 1 }).success, false, 'unknown keys');
});
