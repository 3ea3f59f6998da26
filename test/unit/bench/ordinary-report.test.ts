import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrdinaryResult, WindowFigures } from '../../../bench/lib/ordinary.ts';
import { ORDINARY_RATES } from '../../../bench/lib/ordinary.ts';
import { ordinaryChart, ordinaryMarkdown, targetLines } from '../../../bench/lib/ordinary-report.ts';

const win = (pssMax: number, cpu: number, bpf: number): WindowFigures => ({
  seconds: 60,
  samples: 61,
  pssMedianMiB: pssMax - 2,
  pssMaxMiB: pssMax,
  pssSlopeMiBPerMin: 2.5,
  pssSlopeLateMiBPerMin: 0.04,
  rssMedianMiB: 200,
  rssMaxMiB: 210,
  privateDirtyMedianMiB: 70,
  cpuPercent: cpu,
  agentCpuPercent: cpu * 0.75,
  childrenCpuPercent: cpu * 0.25,
  maxMembers: 2,
  distinctPids: 2,
  bpfCpuPercent: bpf,
  storedPerSecond: 5600,
  capturedPerSecond: 5600,
  kernelDrops: 1,
  queueDropped: 2,
  writeFailures: 0,
});

const result: OrdinaryResult = {
  rates: ORDINARY_RATES,
  idleWindow: [5, 65],
  loadWindow: [65, 125],
  idle: win(75, 1, 0.1),
  load: win(112.5, 4, 1.5),
  reached: { execs: 199, opens: 4990, connects: 200 },
  workload: { expected: 1000, stored: 990, lossPct: 1, caughtUp: true },
  dns: { sent: 3000, answered: 3000, ownResponder: true },
  api: { coldMs: 100, requests: 120, failures: 0, p50Ms: 3, p99Ms: 40, maxMs: 50 },
  samples: [
    [5, 70, 150, 1],
    [6, 71, 151, 1.01],
    [7, 72, 152, 1.05],
  ],
  members: { 100: 'main.js', 101: 'runner-child.js' },
};

test('targets: met or over by how much, the CPU one with and without BPF program time', () => {
  const lines = targetLines(result);
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /idle tree PSS \(max\) ≤ 80 MiB: 75\.0 MiB, met/);
  assert.match(lines[1]!, /ordinary tree PSS \(max\) ≤ 100 MiB: 112\.5 MiB, over by 12\.5 MiB/);
  assert.match(lines[3]!, /ordinary tree CPU ≤ 5 % of one CPU: 4\.00 %, met/);
  assert.match(lines[4]!, /\+ BPF programs ≤ 5 % of one CPU: 5\.50 %, over by 0\.50 %/);
});

test('ordinaryMarkdown: idle and ordinary rows with tree PSS, CPU split and loss; the members', () => {
  const md = ordinaryMarkdown(result, 'ordinary-x.svg');
  const row = md.split('\n').find((l) => l.startsWith('| ordinary'));
  assert.ok(row, md);
  const cells = row.split('|').map((c) => c.trim());
  assert.equal(cells[3], '110.5 / 112.5');
  assert.equal(cells[4], '2.50 / 0.04');
  assert.equal(cells[7], '4.00');
  assert.equal(cells[8], '3.00');
  assert.equal(cells[9], '1.00');
  assert.equal(cells[10], '1.50');
  assert.equal(cells[12], '3', 'kernel + queue drops + write failures');
  assert.match(md, /990 of 1,000 stored \(1\.00 % lost\)/);
  assert.match(md, /100 main\.js, 101 runner-child\.js/);
  assert.match(md, /!\[tree PSS and CPU over time\]\(ordinary-x\.svg\)/);
});

test('ordinaryChart: PSS and RSS lines, and CPU per interval', () => {
  const svg = ordinaryChart(result, 'test');
  assert.equal(svg.match(/<polyline /g)?.length, 3);
  assert.match(svg, /data-series="tree PSS"/);
  assert.match(svg, /data-series="tree CPU"/);
});
