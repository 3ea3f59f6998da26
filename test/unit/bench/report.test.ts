import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Mode, RunRecord } from '../../../bench/lib/measure.ts';
import { ladderChart, lossTable, summarizeRuns } from '../../../bench/lib/report.ts';

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
