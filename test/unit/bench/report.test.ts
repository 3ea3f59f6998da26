import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Mode, RunRecord } from '../../../bench/lib/measure.ts';
import { costTable, ladderChart, lossTable, summarizeRuns } from '../../../bench/lib/report.ts';

function run(mode: Mode, rep: number, wallSeconds: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    workload: 'open@10k',
    mode,
    rep,
    targetRate: 10_000,
    wallSeconds,
    opsPerSecond: 10_000,
    eventsPerSecond: 10_000,
    workloadCpuSeconds: 1,
    expected: 1000,
    storms: [],
    lossPct: null,
    foreignPrograms: [],
    hostOtherShare: 0,
    noisy: false,
    loadAvg: '',
    ...extra,
  };
}

test('ratios are against the median of the no-agent runs of the same workload', () => {
  const rows = summarizeRuns([
    run('none', 1, 1),
    run('none', 2, 3),
    run('none', 3, 2),
    run('ref', 1, 4, { lossPct: 10, consumerCpuSeconds: 0.5 }),
    run('ref', 2, 3, { lossPct: 0, consumerCpuSeconds: 0.5 }),
  ]);
  const ref = rows.find((r) => r.mode === 'ref')!;
  assert.deepEqual(ref.wallRatio, { median: 1.75, min: 1.5, max: 2, n: 2 });
  assert.deepEqual(ref.cpuRatio, { median: 1.5, min: 1.5, max: 1.5, n: 2 });
  assert.equal(ref.lossPct?.median, 5);
  assert.equal(rows.find((r) => r.mode === 'none')?.wallRatio?.median, 1);
});

test('the loss table has one row per workload and mode; the chart one line per consumer', () => {
  const rows = summarizeRuns([run('none', 1, 1), run('agent', 1, 1, { lossPct: 0 }), run('ref', 1, 1)]);
  assert.equal(lossTable(rows).split('\n').length, 2 + 3);
  const svg = ladderChart(rows, 'test');
  assert.equal(svg.match(/<polyline /g)?.length, 3 * 2 - 1, 'ref has no loss figure without records');
});

test('API p99 under load: the median over agent runs, shown in the cost table', () => {
  const agent = (rep: number, p99Ms: number | null): RunRecord =>
    run('agent', rep, 1, {
      lossPct: 0,
      agent: {
        stored: 1000,
        captured: 1000,
        idleCpuShare: 0,
        kernelDrops: 0,
        queueDropped: 0,
        writeFailures: 0,
        decodeErrors: 0,
        callbackErrors: 0,
        cpuSeconds: 1,
        cpuPerMillionEvents: 1000,
        peakRssMiB: 100,
        steadyRssMiB: 90,
        peakTreePssMiB: 140 + rep,
        catchUpSeconds: 0,
        caughtUp: true,
        recordsPerWakeup: 10,
        latencyMs: { p50: 1, p99: 2 },
        api: { coldMs: 200, requests: 100, failures: 0, p50Ms: 1, p99Ms, maxMs: p99Ms },
        exitCode: 0,
      },
    });
  const rows = summarizeRuns([run('none', 1, 1), agent(1, 12), agent(2, 30), agent(3, 20)]);
  const a = rows.find((r) => r.mode === 'agent')!;
  assert.deepEqual(a.apiP99Ms, { median: 20, min: 12, max: 30, n: 3 });
  const line = costTable(rows)
    .split('\n')
    .find((l) => l.includes('| agent |'));
  assert.match(line ?? '', /\| 20\.0 \(12\.0–30\.0\) \|/);
  assert.deepEqual(a.peakTreePssMiB, { median: 142, min: 141, max: 143, n: 3 });
  assert.match(line ?? '', /\| 142\.0 \(141\.0–143\.0\) \|/, 'peak tree PSS beside peak RSS');
  const none = summarizeRuns([run('none', 1, 1), agent(1, null)]).find((r) => r.mode === 'agent')!;
  assert.equal(none.apiP99Ms, null);
});
