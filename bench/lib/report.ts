/** From repeated runs to the report: summaries per workload and mode, Markdown tables, the ladder chart. */
import { fmt, fmtSummary, markdownTable } from './markdown.ts';
import type { Mode, RunRecord } from './measure.ts';
import { median, ratio, type Summary, summarize } from './stats.ts';
import { type Panel, renderChart } from './svg-chart.ts';

export interface SummaryRow {
  readonly workload: string;
  readonly mode: Mode;
  readonly targetRate?: number;
  readonly reps: number;
  readonly wallSeconds: Summary | null;
  /** Wall time over the median wall time with no agent, per repetition. */
  readonly wallRatio: Summary | null;
  /** Storm CPU + consumer CPU over the storms' median CPU with no agent. */
  readonly cpuRatio: Summary | null;
  readonly opsPerSecond: Summary | null;
  readonly eventsPerSecond: Summary | null;
  readonly expected: Summary | null;
  /** agent: rows stored for the workload; ref: records counted (all of the host's). */
  readonly got: Summary | null;
  readonly lossPct: Summary | null;
  readonly kernelDrops: Summary | null;
  readonly queueDropped: Summary | null;
  /** Write failures + decode errors + callback errors. */
  readonly otherUserspaceLoss: Summary | null;
  readonly cpuPerMillionEvents: Summary | null;
  /** Consumer CPU as a share of one core over the workload's wall time. */
  readonly consumerCpuPct: Summary | null;
  readonly peakRssMiB: Summary | null;
  readonly steadyRssMiB: Summary | null;
  /** Largest PSS of the agent's process tree (agent + rule runner), sampled each second. */
  readonly peakTreePssMiB: Summary | null;
  readonly catchUpSeconds: Summary | null;
  readonly recordsPerWakeup: Summary | null;
  readonly latencyP50Ms: Summary | null;
  readonly latencyP99Ms: Summary | null;
  /** GET events on the agent's socket during the workload (agent runs). */
  readonly apiP99Ms: Summary | null;
  readonly kernelNsPerEvent: Summary | null;
  /** Program runs the kernel skipped (recursion guard): lost before reaching any ring buffer. */
  readonly recursionMisses: Summary | null;
  readonly programs: readonly {
    name: string;
    runs: Summary | null;
    avgNs: Summary | null;
    recursionMisses: Summary | null;
  }[];
  /** Repetitions during which someone else had BPF programs loaded. */
  readonly runsWithForeignPrograms: number;
}

function groupKey(r: RunRecord): string {
  return `${r.workload}\u0000${r.mode}`;
}

export function summarizeRuns(runs: readonly RunRecord[]): SummaryRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  const baseline = (workload: string): { wall: number; cpu: number } | undefined => {
    const none = runs.filter((r) => r.workload === workload && r.mode === 'none');
    if (none.length === 0) return undefined;
    return {
      wall: median(none.map((r) => r.wallSeconds)),
      cpu: median(none.map((r) => r.workloadCpuSeconds)),
    };
  };
  return [...groups.values()].map((rs) => {
    const first = rs[0]!;
    const b = baseline(first.workload);
    const s = (f: (r: RunRecord) => number | null | undefined): Summary | null => summarize(rs.map(f));
    const names = [...new Set(rs.flatMap((r) => r.kernel?.programs.map((p) => p.name) ?? []))];
    return {
      workload: first.workload,
      mode: first.mode,
      ...(first.targetRate !== undefined ? { targetRate: first.targetRate } : {}),
      reps: rs.length,
      wallSeconds: s((r) => r.wallSeconds),
      wallRatio: s((r) => ratio(r.wallSeconds, b?.wall)),
      cpuRatio: s((r) => ratio(r.workloadCpuSeconds + (r.consumerCpuSeconds ?? 0), b?.cpu)),
      opsPerSecond: s((r) => r.opsPerSecond),
      eventsPerSecond: s((r) => r.eventsPerSecond),
      expected: s((r) => r.expected),
      got: s((r) => r.agent?.stored ?? r.ref?.records),
      lossPct: s((r) => r.lossPct),
      kernelDrops: s((r) => r.agent?.kernelDrops ?? r.ref?.drops),
      queueDropped: s((r) => r.agent?.queueDropped),
      otherUserspaceLoss: s((r) =>
        r.agent ? r.agent.writeFailures + r.agent.decodeErrors + r.agent.callbackErrors : undefined,
      ),
      cpuPerMillionEvents: s((r) => r.agent?.cpuPerMillionEvents ?? r.ref?.cpuPerMillionEvents),
      consumerCpuPct: s((r) => {
        const c = ratio(r.consumerCpuSeconds, r.wallSeconds + (r.agent?.catchUpSeconds ?? 0));
        return c === null ? null : c * 100;
      }),
      peakRssMiB: s((r) => r.agent?.peakRssMiB ?? r.ref?.peakRssMiB),
      steadyRssMiB: s((r) => r.agent?.steadyRssMiB),
      peakTreePssMiB: s((r) => r.agent?.peakTreePssMiB),
      catchUpSeconds: s((r) => r.agent?.catchUpSeconds),
      recordsPerWakeup: s((r) => r.agent?.recordsPerWakeup),
      latencyP50Ms: s((r) => r.agent?.latencyMs?.p50),
      latencyP99Ms: s((r) => r.agent?.latencyMs?.p99),
      apiP99Ms: s((r) => r.agent?.api?.p99Ms),
      kernelNsPerEvent: s((r) => (r.kernel && r.expected > 0 ? r.kernel.runTimeNs / r.expected : undefined)),
      recursionMisses: s((r) => r.kernel?.recursionMisses),
      programs: names.map((name) => ({
        name,
        runs: s((r) => r.kernel?.programs.find((p) => p.name === name)?.runCnt),
        avgNs: s((r) => r.kernel?.programs.find((p) => p.name === name)?.avgNs),
        recursionMisses: s((r) => r.kernel?.programs.find((p) => p.name === name)?.recursionMisses),
      })),
      runsWithForeignPrograms: rs.filter((r) => r.foreignPrograms.length > 0).length,
    };
  });
}

const R = 'right' as const;
const L = 'left' as const;

/** Throughput and loss per workload and mode. */
export function lossTable(rows: readonly SummaryRow[]): string {
  return markdownTable(
    [
      'workload',
      'mode',
      'wall s',
      '× none',
      'events/s',
      'expected',
      'stored / counted',
      'loss %',
      'kernel drops',
      'recursion misses',
      'queue drops',
      'other userspace',
    ],
    rows.map((r) => [
      r.workload,
      r.mode,
      fmtSummary(r.wallSeconds, 2),
      fmtSummary(r.wallRatio, 2),
      fmtSummary(r.eventsPerSecond),
      fmtSummary(r.expected),
      r.mode === 'none' ? '–' : fmtSummary(r.got),
      fmtSummary(r.lossPct, 2),
      fmtSummary(r.kernelDrops),
      fmtSummary(r.recursionMisses),
      fmtSummary(r.queueDropped),
      fmtSummary(r.otherUserspaceLoss),
    ]),
    [L, L, R, R, R, R, R, R, R, R, R, R],
  );
}

/** What consuming costs: CPU, memory, latency, kernel time. */
export function costTable(rows: readonly SummaryRow[]): string {
  const consumers = rows.filter((r) => r.mode !== 'none');
  return markdownTable(
    [
      'workload',
      'mode',
      'CPU s / M events',
      'consumer CPU %',
      'storm+consumer CPU × none',
      'peak RSS MiB',
      'steady RSS MiB',
      'peak tree PSS MiB',
      'catch-up s',
      'records / wake-up',
      'latency p50 / p99 ms',
      'API p99 ms',
      'BPF ns / event',
    ],
    consumers.map((r) => [
      r.workload,
      r.mode,
      fmtSummary(r.cpuPerMillionEvents, 2),
      fmtSummary(r.consumerCpuPct),
      fmtSummary(r.cpuRatio, 2),
      fmtSummary(r.peakRssMiB, 1),
      fmtSummary(r.steadyRssMiB, 1),
      fmtSummary(r.peakTreePssMiB, 1),
      fmtSummary(r.catchUpSeconds, 1),
      fmtSummary(r.recordsPerWakeup, 1),
      r.mode === 'agent'
        ? r.latencyP50Ms
          ? `${fmtSummary(r.latencyP50Ms, 1)} / ${fmtSummary(r.latencyP99Ms, 1)}`
          : 'null¹'
        : '–',
      r.mode === 'agent' ? (r.apiP99Ms ? fmtSummary(r.apiP99Ms, 1) : 'null²') : '–',
      fmtSummary(r.kernelNsPerEvent),
    ]),
    [L, L, R, R, R, R, R, R, R, R, R, R, R],
  );
}

/** Kernel-side cost per program (bpf_stats_enabled): runs and mean ns per run. */
export function kernelTable(rows: readonly SummaryRow[]): string {
  const lines: string[][] = [];
  for (const r of rows) {
    for (const p of r.programs) {
      if (!p.runs || p.runs.median === 0) continue;
      lines.push([
        r.workload,
        r.mode,
        p.name,
        fmtSummary(p.runs),
        fmtSummary(p.avgNs),
        fmtSummary(p.recursionMisses),
      ]);
    }
  }
  return markdownTable(['workload', 'mode', 'program', 'runs', 'ns / run', 'recursion misses'], lines, [
    L,
    L,
    L,
    R,
    R,
    R,
  ]);
}

/** The rate ladder: where loss begins. */
export function ladderTable(rows: readonly SummaryRow[]): string {
  const sorted = [...rows].sort(
    (a, b) => (a.targetRate ?? 0) - (b.targetRate ?? 0) || a.mode.localeCompare(b.mode),
  );
  return markdownTable(
    [
      'target opens/s',
      'mode',
      'reached opens/s',
      'loss %',
      'kernel drops',
      'recursion misses',
      'queue drops',
      'consumer CPU %',
      'CPU s / M events',
      'records / wake-up',
      'CPU × none',
      'wall × none',
      'catch-up s',
    ],
    sorted.map((r) => [
      fmt(r.targetRate),
      r.mode,
      fmtSummary(r.opsPerSecond),
      fmtSummary(r.lossPct, 2),
      fmtSummary(r.kernelDrops),
      fmtSummary(r.recursionMisses),
      fmtSummary(r.queueDropped),
      fmtSummary(r.consumerCpuPct),
      fmtSummary(r.cpuPerMillionEvents, 1),
      fmtSummary(r.recordsPerWakeup, 1),
      fmtSummary(r.cpuRatio, 2),
      fmtSummary(r.wallRatio, 2),
      fmtSummary(r.catchUpSeconds, 1),
    ]),
    [R, L, R, R, R, R, R, R, R, R, R, R, R],
  );
}

const COLORS: Record<Mode, string> = { none: '#888888', agent: '#d62728', ref: '#1f77b4' };
const LABEL: Record<Mode, string> = { none: 'no agent', agent: 'bpfwarden agent', ref: 'C libbpf consumer' };

/** Loss %, CPU overhead and wall-time overhead against the target event rate. */
export function ladderChart(rows: readonly SummaryRow[], subtitle: string): string {
  const modes: Mode[] = ['agent', 'ref'];
  const series = (f: (r: SummaryRow) => number | undefined) =>
    modes.map((m) => ({
      name: LABEL[m],
      color: COLORS[m],
      points: rows
        .filter((r) => r.mode === m && r.targetRate !== undefined)
        .map((r) => ({ x: r.targetRate!, y: f(r) ?? Number.NaN })),
    }));
  const xTicks = [...new Set(rows.flatMap((r) => (r.targetRate !== undefined ? [r.targetRate] : [])))];
  const panels: Panel[] = [
    {
      title: 'Events lost',
      xLabel: 'open events per second (target)',
      yLabel: 'loss %',
      logX: true,
      xTicks,
      yInclude: [0],
      series: series((r) => r.lossPct?.median),
    },
    {
      title: 'CPU overhead',
      xLabel: 'open events per second (target)',
      yLabel: '(storm + consumer CPU) / storm CPU alone',
      logX: true,
      xTicks,
      yInclude: [1],
      series: series((r) => r.cpuRatio?.median),
    },
    {
      title: 'Wall-time overhead',
      xLabel: 'open events per second (target)',
      yLabel: 'wall time / no agent',
      logX: true,
      xTicks,
      yInclude: [1],
      series: series((r) => r.wallRatio?.median),
    },
  ];
  return renderChart(panels, { title: 'bpfwarden: loss and overhead against event rate', subtitle });
}
