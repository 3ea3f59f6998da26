/** The ordinary-host profile's section of the report, its targets, and its chart. */
import { fmt, markdownTable } from './markdown.ts';
import { type OrdinaryResult, TARGETS, type WindowFigures } from './ordinary.ts';
import { renderChart } from './svg-chart.ts';
import { verdict } from './tree.ts';

const R = 'right' as const;
const L = 'left' as const;

function row(name: string, w: WindowFigures): string[] {
  return [
    name,
    fmt(w.seconds),
    `${fmt(w.pssMedianMiB, 1)} / ${fmt(w.pssMaxMiB, 1)}`,
    `${fmt(w.pssSlopeMiBPerMin, 2)} / ${fmt(w.pssSlopeLateMiBPerMin, 2)}`,
    `${fmt(w.rssMedianMiB, 1)} / ${fmt(w.rssMaxMiB, 1)}`,
    fmt(w.privateDirtyMedianMiB, 1),
    fmt(w.cpuPercent, 2),
    fmt(w.agentCpuPercent, 2),
    fmt(w.childrenCpuPercent, 2),
    fmt(w.bpfCpuPercent, 2),
    fmt(w.storedPerSecond),
    fmt(w.kernelDrops + w.queueDropped + w.writeFailures),
  ];
}

/** Each target with the measured figure and "met" / "over by X". */
export function targetLines(o: OrdinaryResult): string[] {
  const both = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : a + b;
  const lines: [string, number | null, number, string][] = [
    [`idle tree PSS (max) ≤ ${TARGETS.idlePssMiB} MiB`, o.idle.pssMaxMiB, TARGETS.idlePssMiB, 'MiB'],
    [
      `ordinary tree PSS (max) ≤ ${TARGETS.ordinaryPssMiB} MiB`,
      o.load.pssMaxMiB,
      TARGETS.ordinaryPssMiB,
      'MiB',
    ],
    [`idle tree CPU ≤ ${TARGETS.cpuPercent} % of one CPU`, o.idle.cpuPercent, TARGETS.cpuPercent, '%'],
    [`ordinary tree CPU ≤ ${TARGETS.cpuPercent} % of one CPU`, o.load.cpuPercent, TARGETS.cpuPercent, '%'],
    [
      `ordinary tree CPU + BPF programs ≤ ${TARGETS.cpuPercent} % of one CPU`,
      both(o.load.cpuPercent, o.load.bpfCpuPercent),
      TARGETS.cpuPercent,
      '%',
    ],
  ];
  return lines.map(([what, v, limit, unit]) => {
    const d = unit === '%' ? 2 : 1;
    const v2 = verdict(v, limit, d);
    return `${what}: ${fmt(v, d)} ${unit}, ${v2 === 'met' || v2 === '–' ? v2 : `${v2} ${unit}`}`;
  });
}

export function ordinaryMarkdown(o: OrdinaryResult, chartFile?: string): string {
  const r = o.rates;
  const w = o.workload;
  const pids = Object.entries(o.members)
    .map(([pid, comm]) => `${pid} ${comm}`)
    .join(', ');
  return [
    `## Ordinary host (${fmt(o.idle.seconds)} s idle, then ${fmt(o.load.seconds)} s of load)`,
    '',
    `Default agent configuration (default monitors, starter rules, default sinks and retention). ` +
      `Load, paced and concurrent: ${fmt(r.execsPerSecond)} execs/s, ${fmt(r.opensPerSecond)} file opens/s, ` +
      `${fmt(r.connectsPerSecond)} TCP connections/s over loopback, ${fmt(r.dnsPerSecond)} DNS queries/s ` +
      `to 127.0.0.1:53, the API polled once a second (GET /api/v1/status, GET /api/v1/events?limit=100). ` +
      `Reached: ${fmt(o.reached.execs)} execs/s, ${fmt(o.reached.opens)} opens/s, ${fmt(o.reached.connects)} connects/s, ` +
      `${fmt(o.dns.sent)} DNS queries (${fmt(o.dns.answered)} answered${o.dns.ownResponder ? '' : ', by the resolver on port 53'}).`,
    '',
    markdownTable(
      [
        'window',
        's',
        'tree PSS MiB median / max',
        'PSS slope MiB/min, whole / 2nd half',
        'tree RSS MiB median / max',
        'private dirty MiB',
        'tree CPU %',
        'agent CPU %',
        'rule runner CPU %',
        'BPF programs CPU %',
        'events stored/s',
        'lost',
      ],
      [row('idle', o.idle), row('ordinary', o.load)],
      [L, R, R, R, R, R, R, R, R, R, R, R],
    ),
    '',
    'CPU % is of one core; tree = the agent process (all threads) and its descendants (the rule runner), ' +
      'exited children included; BPF programs = kernel time in the agent’s programs (bpf_stats), for every process on the host. ' +
      'Lost = kernel drops + store queue drops + write failures.',
    '',
    `Workload rows: ${fmt(w.stored)} of ${fmt(w.expected)} stored (${fmt(w.lossPct, 2)} % lost${w.caughtUp ? '' : ', catch-up timed out'}). ` +
      (o.api
        ? `API: ${o.api.requests} requests, ${o.api.failures} failed, p50 ${fmt(o.api.p50Ms, 1)} ms, p99 ${fmt(o.api.p99Ms, 1)} ms.`
        : 'API not polled.'),
    '',
    'Targets (printed, not asserted):',
    '',
    ...targetLines(o).map((l) => `- ${l}`),
    '',
    `Processes of the tree: ${pids}.`,
    '',
    ...(chartFile ? [`![tree PSS and CPU over time](${chartFile})`, ''] : []),
  ].join('\n');
}

/** Tree PSS and RSS over time, and the tree's CPU per sample interval. */
export function ordinaryChart(o: OrdinaryResult, subtitle: string): string {
  const s = o.samples;
  const cpu = s.slice(1).map((p, i) => {
    const prev = s[i]!;
    const dt = p[0] - prev[0];
    return { x: p[0], y: dt > 0.5 ? ((p[3] - prev[3]) / dt) * 100 : Number.NaN };
  });
  const marks = `idle ${fmt(o.idleWindow[0])}–${fmt(o.idleWindow[1])} s, load ${fmt(o.loadWindow[0])}–${fmt(o.loadWindow[1])} s`;
  return renderChart(
    [
      {
        title: 'Process tree memory',
        xLabel: `seconds (${marks})`,
        yLabel: 'MiB',
        yInclude: [0],
        series: [
          { name: 'tree PSS', color: '#d62728', points: s.map((p) => ({ x: p[0], y: p[1] })) },
          { name: 'tree RSS', color: '#888888', points: s.map((p) => ({ x: p[0], y: p[2] })) },
        ],
      },
      {
        title: 'Process tree CPU',
        xLabel: `seconds (${marks})`,
        yLabel: '% of one core',
        yInclude: [0],
        series: [{ name: 'tree CPU', color: '#1f77b4', points: cpu }],
      },
    ],
    { title: 'bpfwarden on an ordinary host: whole process tree', subtitle },
  );
}
