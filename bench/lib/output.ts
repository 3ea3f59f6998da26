/** The benchmark's files: results JSON, the Markdown report and the ladder chart. */

import { fmt } from './markdown.ts';
import { NOISY_SHARE, noisyShare, type RunRecord } from './measure.ts';
import type { OrdinaryResult } from './ordinary.ts';
import { ordinaryMarkdown } from './ordinary-report.ts';
import {
  costTable,
  kernelTable,
  ladderChart,
  ladderTable,
  lossTable,
  type SummaryRow,
  summarizeRuns,
} from './report.ts';
import { type SoakResult, soakMarkdown } from './soak.ts';
import { unfilteredLossPercent } from './stats.ts';
import type { WorkloadDef } from './workloads.ts';

export interface Meta {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly host: {
    readonly kernel: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memGiB: number;
    readonly node: string;
    readonly loadAvgAtStart: string;
    readonly loadAvgAtEnd: string;
  };
  readonly options: {
    readonly reps: number;
    readonly quick: boolean;
    readonly workloads: readonly string[];
    readonly rates: readonly number[];
    readonly ladderSeconds: number;
    readonly maxAttempts?: number;
    /** --api-rps: GET events per second on the agent's API during agent runs. */
    readonly apiRequestsPerSecond?: number;
    /** --workloads ordinary: --idle-seconds and --ordinary-seconds. */
    readonly idleSeconds?: number;
    readonly ordinarySeconds?: number;
    /** --agent-set overrides of the agent's monitor settings. */
    readonly agentSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
  readonly agent: {
    readonly monitors: readonly string[];
    readonly ringBytes: Readonly<Record<string, number>>;
  };
  readonly bpfStats: { readonly enabledBefore: boolean; readonly restored: boolean };
  readonly workloads: readonly WorkloadDef[];
  /** Notes from the run itself (e.g. a stale build); the report adds its own. */
  readonly notes: readonly string[];
  readonly skipped: readonly { workload: string; reason: string }[];
  readonly failures: readonly { workload: string; mode: string; rep: number; error: string }[];
}

export interface Results {
  readonly meta: Meta;
  readonly summary: SummaryRow[];
  readonly runs: RunRecord[];
  readonly ladder: { readonly summary: SummaryRow[]; readonly runs: RunRecord[] };
  /** --workloads soak: RSS over a long churn run. */
  readonly soak?: SoakResult;
  /** --workloads ordinary: the whole process tree idle and under an ordinary host's load. */
  readonly ordinary?: OrdinaryResult;
}

/** Re-derives what depends on thresholds, so an old results file reads with today's rules. */
function reclassify(r: RunRecord): RunRecord {
  return {
    ...r,
    noisy: r.foreignPrograms.length > 0 || r.hostOtherShare > noisyShare(r.mode),
    ...(r.ref ? { lossPct: unfilteredLossPercent(r.expected, r.ref.records, r.ref.drops) } : {}),
  };
}

export function buildResults(
  meta: Meta,
  runs: readonly RunRecord[],
  ladderRuns: readonly RunRecord[],
): Results {
  const main = runs.map(reclassify);
  const ladder = ladderRuns.map(reclassify);
  return {
    meta,
    summary: summarizeRuns(main),
    runs: main,
    ladder: { summary: summarizeRuns(ladder), runs: ladder },
  };
}

/** What every reader of the figures should know, plus what this run ran into. */
export function reportNotes(res: Results): string[] {
  const notes = [...res.meta.notes];
  const all = [...res.runs, ...res.ladder.runs];
  const hasLatency = all.some((r) => r.agent?.latencyMs);
  // What every reader of the storm tables should know (nothing of it applies without them).
  if (all.length > 0)
    notes.push(
      hasLatency
        ? "latency: the agent's own histogram (status.json store.latencyMs) from each event's kernel timestamp to its committed row, over the agent's life in that run"
        : 'latency kernel→committed row: null, this agent build does not export store.latencyMs in status.json',
      all.some((r) => r.agent?.api?.p99Ms != null)
        ? `API p99: GET /api/v1/events (newest 100, and 100 of the workload's type, alternating) on the agent's Unix socket, ${res.meta.options.apiRequestsPerSecond ?? 10} requests/s while the workload ran, after one warm-up request before it (the agent starts its query worker on the first query; that request's time is in the JSON as api.coldMs)`
        : 'API p99 of GET events under load: not measured (--api-rps 0)',
      'ring buffer overruns: a BPF ring buffer never overwrites; a full ring is a failed reserve, counted as kernel drops',
      'recursion misses: program runs the kernel skipped because another BPF program was running on that CPU (bpftool recursion_misses); the agent shows them per monitor as missedRuns',
      "ref loss %: the larger of kernel drops / (records + drops) and records missing against the expected count; the C consumer counts every process's records, not only the workload's, so this is a lower bound",
      "catch-up (agent): from the storm's end until a sentinel event sent through each ring after it was committed",
    );
  const crowded = all.filter((r) => r.foreignPrograms.length > 0);
  if (crowded.length > 0) {
    const names = [...new Set(crowded.flatMap((r) => r.foreignPrograms))].slice(0, 8).join(', ');
    notes.push(
      `${crowded.length} of ${all.length} runs had BPF programs of other processes loaded on the host ` +
        `(${names}, …): their kernel cost is in those runs`,
    );
  }
  const busy = all.filter((r) => r.noisy && r.foreignPrograms.length === 0);
  if (busy.length > 0) {
    notes.push(
      `${busy.length} of ${all.length} runs shared the host with other work above the noise threshold ` +
        `(${NOISY_SHARE * 100}% of the CPUs; ${noisyShare('agent') * 100}% for agent runs, whose database ` +
        `writeback runs in kernel threads) after ${res.meta.options.maxAttempts ?? 3} attempts: ` +
        busy.map((r) => `${r.workload} ${r.mode} #${r.rep} ${fmt(r.hostOtherShare * 100)}%`).join(', '),
    );
  }
  notes.push(
    ...res.meta.skipped.map((s) => `skipped ${s.workload}: ${s.reason}`),
    ...res.meta.failures.map((f) => `failed ${f.workload} ${f.mode} rep ${f.rep}: ${f.error.split('\n')[0]}`),
  );
  return notes;
}

export function chartSubtitle(res: Results): string {
  const { host, options } = res.meta;
  return `${host.cpus} CPUs, kernel ${host.kernel}, open storm with 2 threads, median of ${options.reps}`;
}

/** chartFile: the ladder chart; ordinaryChartFile: the ordinary profile's, when there is one. */
export function markdownReport(res: Results, chartFile: string, ordinaryChartFile?: string): string {
  const { meta } = res;
  const { host } = meta;
  const rings = Object.entries(meta.agent.ringBytes)
    .map(([m, b]) => `${m} ${b / 2 ** 20} MiB`)
    .join(', ');
  return [
    `# bpfwarden benchmark, ${meta.startedAt}`,
    '',
    `${host.cpus} × ${host.cpuModel}, ${host.memGiB} GiB, kernel ${host.kernel}, Node ${host.node}; ` +
      `${meta.options.reps} repetition(s) per workload and mode, median (min–max). ` +
      `Ring buffers: ${rings} (agent and C consumer alike).`,
    '',
    ...(res.ordinary ? [ordinaryMarkdown(res.ordinary, ordinaryChartFile)] : []),
    ...(res.runs.length > 0 || res.ladder.runs.length > 0 ? stormSections(res, chartFile) : []),
    ...(res.soak ? [soakMarkdown(res.soak)] : []),
    ...notesSection(reportNotes(res)),
  ].join('\n');
}

function notesSection(notes: readonly string[]): string[] {
  return notes.length ? ['## Notes', '', ...notes.map((x) => `- ${x}`), ''] : [];
}

/** The storm workloads and the rate ladder (absent when only soak or ordinary ran). */
function stormSections(res: Results, chartFile: string): string[] {
  const { meta } = res;
  const hasLatency = res.runs.some((r) => r.agent?.latencyMs);
  return [
    '## Workloads',
    '',
    meta.workloads
      .filter((w) => meta.options.workloads.includes(w.name))
      .map((w) => `- **${w.name}**: ${w.description}`)
      .join('\n'),
    '',
    '### Loss',
    '',
    lossTable(res.summary),
    '',
    '### Cost',
    '',
    costTable(res.summary),
    '',
    hasLatency
      ? ''
      : '¹ this agent build does not export kernel→committed latency (status.json store.latencyMs). ',
    res.runs.some((r) => r.agent && !r.agent.api) ? '² not measured (--api-rps 0).' : '',
    '',
    '### Kernel side (bpf_stats_enabled)',
    '',
    kernelTable(res.summary),
    '',
    `## Rate ladder (open storm, ${meta.options.ladderSeconds} s per step)`,
    '',
    ladderTable(res.ladder.summary),
    '',
    `![loss and overhead against event rate](${chartFile})`,
    '',
  ];
}

export function chartSvg(res: Results): string {
  return ladderChart(res.ladder.summary, chartSubtitle(res));
}
