/**
 * bpfwarden benchmark harness. For each workload (exec, open, connect, mixed
 * storms it generates itself) and each mode — no agent, the agent, and a
 * minimal C libbpf consumer of the same compiled programs — runs R
 * repetitions side by side, then an open-storm rate ladder, and writes
 * bench/results/results-<ts>.{json,md} and chart-<ts>.svg.
 *
 *   npm run bench -- [--reps N] [--quick] [--workloads exec,open,connect,mixed,ladder]
 *                    [--rates 10000,50000,...] [--out DIR] [--quiet-wait SECONDS]
 *                    [--agent-set MONITOR.KEY=NUMBER ...]   # e.g. file.wakeupBytes=0
 *                    [--api-rps N]   # GET events on the agent's API during agent runs (default 10; 0: none)
 *   npm run bench -- --workloads soak [--soak-seconds 600]   # RSS under process churn (not in the default set)
 *   npm run bench -- --workloads ordinary [--ordinary-seconds 300] [--idle-seconds 60]
 *                    # the agent's whole process tree (PSS, CPU) idle, then under an ordinary host's
 *                    # load (paced execs, opens, connects, DNS, API polls); not in the default set
 *   npm run bench -- --workloads ladder --rates 200000 --ladder-seconds 10  # a sustained rate
 *   npm run bench -- --report bench/results/results-<ts>.json   # the report again, no runs
 *
 * Before each run it waits (default up to 60 s) for BPF programs loaded by
 * anyone else to go away: on a shared host their cost lands in every mode.
 * Runs that still had company are listed in the report.
 *
 * Needs root (BPF, bpf_stats_enabled) and a built tree (npm run build).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/host/paths.ts';
import { bpfStatsEnabled, enableBpfStats } from './lib/bpf-stats.ts';
import { fmt } from './lib/markdown.ts';
import {
  type AgentInfo,
  MODES,
  type Mode,
  measure,
  type Paths,
  type RunRecord,
  waitForQuietHost,
} from './lib/measure.ts';
import { type OrdinaryResult, ordinary } from './lib/ordinary.ts';
import { ordinaryChart } from './lib/ordinary-report.ts';
import { buildResults, chartSvg, type Meta, markdownReport, type Results } from './lib/output.ts';
import { type SoakResult, soak } from './lib/soak.ts';
import { unavailable, type WorkloadDef } from './lib/workloads.ts';

const { values: opt } = parseArgs({
  options: {
    reps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string' },
    rates: { type: 'string' },
    out: { type: 'string' },
    'quiet-wait': { type: 'string' },
    report: { type: 'string' },
    'agent-set': { type: 'string', multiple: true },
    'soak-seconds': { type: 'string' },
    'ladder-seconds': { type: 'string' },
    'api-rps': { type: 'string' },
    'ordinary-seconds': { type: 'string' },
    'idle-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}

const root = projectRoot();
const quick = opt.quick ?? false;
const reps = Number(opt.reps ?? (quick ? 1 : 3));
const selected = (opt.workloads ?? 'exec,open,connect,mixed,ladder').split(',').map((s) => s.trim());
const rates = (opt.rates ?? (quick ? '10000,100000,200000,400000' : '10000,50000,100000,200000,400000'))
  .split(',')
  .map(Number);
const outDir = opt.out ?? join(root, 'bench', 'results');
const quietWaitMs = Number(opt['quiet-wait'] ?? 60) * 1000;
const soakSeconds = Number(opt['soak-seconds'] ?? (quick ? 60 : 600));
const apiRps = Number(opt['api-rps'] ?? 10);
const ordinarySeconds = Number(opt['ordinary-seconds'] ?? 300);
const idleSeconds = Number(opt['idle-seconds'] ?? 60);
if (
  !(reps >= 1) ||
  rates.some((r) => !(r > 0)) ||
  !(apiRps >= 0 && apiRps <= 1000) ||
  !(ordinarySeconds >= 5) ||
  !(idleSeconds >= 2)
) {
  console.error(
    'bench: --reps must be >= 1, --rates positive numbers, --api-rps 0 to 1000, ' +
      '--ordinary-seconds >= 5 and --idle-seconds >= 2',
  );
  process.exit(2);
}
if (!opt.report && process.getuid?.() !== 0) {
  console.error('bench: needs root (loads BPF programs, sets kernel.bpf_stats_enabled)');
  process.exit(3);
}

/** --agent-set file.wakeupBytes=0: monitor settings on top of the agent's defaults. */
function agentSettings(items: readonly string[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const m = /^(\w+)\.(\w+)=(.+)$/.exec(item);
    if (!m) {
      console.error(`bench: --agent-set wants MONITOR.KEY=VALUE, got ${item}`);
      process.exit(2);
    }
    const [, monitor = '', key = '', raw = ''] = m;
    const value: unknown = /^-?\d+(\.\d+)?$/.test(raw)
      ? Number(raw)
      : raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw;
    out[monitor] = { ...out[monitor], [key]: value };
  }
  return out;
}
const settings = agentSettings(opt['agent-set'] ?? []);

const paths: Paths = {
  root,
  buildDir: join(root, 'build'),
  bpfDir: join(root, 'build', 'bpf'),
  refBin: join(root, 'build', 'ref_consumer'),
};

/** Sizes: about 3–8 s per storm on a 2-core machine (quick: about a fifth). */
const k = quick ? 0.2 : 1;
const n = (x: number): number => Math.max(1, Math.round(x * k));
const WORKLOADS: WorkloadDef[] = [
  {
    name: 'exec',
    description: 'fork+exec of /bin/true, 2 workers',
    objects: ['process'],
    exec: { count: n(10_000), workers: 2 },
  },
  {
    name: 'open',
    description: 'open+close as fast as possible, 2 threads',
    objects: ['file'],
    open: { count: n(2_000_000), workers: 2, rate: 0 },
  },
  {
    name: 'connect',
    description: 'TCP connect+close over loopback, 1 thread',
    objects: ['net'],
    connect: { count: n(40_000), workers: 1, rate: 0 },
  },
  {
    name: 'mixed',
    description: 'exec (1 worker) + open at 100k/s + connect at 2k/s, concurrently',
    objects: ['process', 'file', 'net'],
    exec: { count: n(3_000), workers: 1 },
    open: { count: n(500_000), workers: 1, rate: 100_000 },
    connect: { count: n(10_000), workers: 1, rate: 2_000 },
  },
];
const LADDER_SECONDS = Number(opt['ladder-seconds'] ?? (quick ? 1.5 : 4));
const ladder: WorkloadDef[] = rates.map((rate) => ({
  name: `open@${fmt(rate / 1000)}k`,
  description: `open storm paced at ${rate}/s for ${LADDER_SECONDS} s, 2 threads`,
  objects: ['file'],
  open: { count: Math.round(rate * LADDER_SECONDS), workers: 2, rate },
}));

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Monitor names and default ring sizes of the agent that will run (dist/, what bin/bpfwarden runs). */
async function agentInfo(): Promise<AgentInfo> {
  const registry = join(root, 'dist', 'src', 'families', 'index.js');
  const mod: unknown = await import(pathToFileURL(registry).href);
  const defs = (mod as { FAMILIES?: unknown }).FAMILIES;
  if (!Array.isArray(defs)) throw new Error(`${registry} exports no FAMILIES`);
  const monitors: string[] = [];
  const ringBytes: Record<string, number> = {};
  for (const d of defs as { name: string; monitorConfig: { parse(v: unknown): unknown } }[]) {
    monitors.push(d.name);
    const cfg = d.monitorConfig.parse({}) as { ringBufferBytes?: number };
    if (typeof cfg.ringBufferBytes === 'number') ringBytes[d.name] = cfg.ringBufferBytes;
  }
  return { monitors, ringBytes };
}

/** Attempts per run while the host is busy with someone else's work. */
const MAX_ATTEMPTS = 3;

function noise(r: RunRecord): string {
  const parts = [`others used ${fmt(r.hostOtherShare * 100)}% of the CPUs`];
  if (r.foreignPrograms.length)
    parts.push(`foreign BPF programs: ${r.foreignPrograms.slice(0, 6).join(', ')}`);
  return parts.join('; ');
}

function describe(r: RunRecord): string {
  const parts = [
    `wall ${r.wallSeconds.toFixed(2)} s`,
    `${fmt(r.opsPerSecond)} ops/s`,
    `others ${fmt(r.hostOtherShare * 100)}% of CPUs`,
  ];
  if (r.agent) {
    const a = r.agent;
    parts.push(
      `stored ${fmt(a.stored)}/${fmt(r.expected)} (${fmt(r.lossPct, 2)}% lost; ${fmt(a.captured)} captured in all)`,
      `kernel drops ${fmt(a.kernelDrops)}, queue drops ${fmt(a.queueDropped)}`,
      `cpu ${fmt(a.cpuSeconds, 2)} s = ${fmt(a.cpuPerMillionEvents, 2)} s/M`,
      `rss ${fmt(a.steadyRssMiB)}/${fmt(a.peakRssMiB)} MiB`,
      `catch-up ${fmt(a.catchUpSeconds, 1)} s${a.caughtUp ? '' : ' (timed out)'}`,
      `idle cpu ${fmt(a.idleCpuShare * 100)}%`,
      a.api
        ? `API p99 ${fmt(a.api.p99Ms, 1)} ms (${a.api.requests} requests, ${a.api.failures} failed)`
        : 'API not probed',
    );
  }
  if (r.ref) {
    parts.push(
      `records ${fmt(r.ref.records)} (expected ${fmt(r.expected)}), drops ${fmt(r.ref.drops)}`,
      `cpu ${fmt(r.ref.cpuSeconds, 2)} s = ${fmt(r.ref.cpuPerMillionEvents, 2)} s/M`,
    );
  }
  return parts.join(', ');
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`bench: building tools (scripts/build-tools.sh)`);
  process.stdout.write(sh('scripts/build-tools.sh', []));
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run npm run build first');
  const notes: string[] = [];
  if (newestMtime(join(root, 'src')) > statSync(main).mtimeMs) {
    const n = 'dist/ is older than src/: the agent measured is the last build (npm run build:ts)';
    console.log(`bench: warning: ${n}`);
    notes.push(n);
  }
  const info = await agentInfo();
  const statsWereOn = bpfStatsEnabled();
  const restore = enableBpfStats();
  const onSignal = (sig: NodeJS.Signals): void => {
    restore();
    console.error(`bench: ${sig}: bpf_stats_enabled restored`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', restore);

  const host = {
    kernel: sh('uname', ['-r']).trim(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAvgAtStart: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
  console.log(
    `bench: ${host.cpus} CPUs, kernel ${host.kernel}, ${reps} repetition(s)${quick ? ', quick' : ''}; ` +
      `agent monitors: ${info.monitors.join(', ')}; ring bytes: ${JSON.stringify(info.ringBytes)}`,
  );

  const runs: RunRecord[] = [];
  const ladderRuns: RunRecord[] = [];
  const skipped: { workload: string; reason: string }[] = [];
  const failures: { workload: string; mode: Mode; rep: number; error: string }[] = [];

  const series = async (w: WorkloadDef, into: RunRecord[], targetRate?: number): Promise<void> => {
    const why = unavailable(w, paths.bpfDir, info.monitors);
    if (why) {
      console.log(`bench: [${w.name}] skipped: ${why}`);
      skipped.push({ workload: w.name, reason: why });
      return;
    }
    for (let rep = 1; rep <= reps; rep++) {
      // Rotate the order so no mode always runs first (page cache, TIME_WAIT sockets, thermal state).
      const order = MODES.map((_, i) => MODES[(i + rep - 1) % MODES.length]!);
      for (const mode of order) {
        const tag = `[${w.name} ${rep}/${reps} ${mode}]`;
        try {
          let r: RunRecord | undefined;
          for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            r = await measure(w, mode, rep, {
              paths,
              agentInfo: info,
              catchUpTimeoutMs: 120_000,
              quietWaitMs,
              agentSettings: settings,
              apiRequestsPerSecond: apiRps,
              ...(targetRate !== undefined ? { targetRate } : {}),
            });
            if (!r.noisy || attempt === MAX_ATTEMPTS) break;
            console.log(`bench: ${tag} noisy host (${noise(r)}): again`);
          }
          into.push(r!);
          console.log(`bench: ${tag} ${describe(r!)}${r!.noisy ? ` [noisy: ${noise(r!)}]` : ''}`);
        } catch (err) {
          const error = (err as Error).message;
          failures.push({ workload: w.name, mode, rep, error });
          console.log(`bench: ${tag} FAILED: ${error}`);
        }
      }
    }
  };

  for (const w of WORKLOADS) {
    if (selected.includes(w.name)) {
      console.log(`bench: [${w.name}] ${w.description}`);
      await series(w, runs);
    }
  }
  if (selected.includes('ladder')) {
    for (const [i, w] of ladder.entries()) {
      console.log(`bench: [${w.name}] ${w.description}`);
      await series(w, ladderRuns, rates[i]);
    }
  }

  let soakResult: SoakResult | undefined;
  if (selected.includes('soak')) {
    console.log(`bench: [soak] ${soakSeconds} s of process churn and file opens, RSS once a second`);
    await waitForQuietHost(quietWaitMs);
    soakResult = await soak({
      buildDir: paths.buildDir,
      seconds: soakSeconds,
      execsPerSecond: 100,
      opensPerSecond: 2000,
      monitors: info.monitors,
      agentSettings: settings,
    });
    const s = soakResult;
    console.log(
      `bench: [soak] idle ${s.idleRssMiB?.toFixed(1)} MiB, first minute ${s.firstMinuteMiB?.toFixed(1)}, ` +
        `last minute ${s.lastMinuteMiB?.toFixed(1)}, max ${s.maxMiB?.toFixed(1)}, ` +
        `slope ${s.slopeMiBPerMin?.toFixed(2)} MiB/min, ${s.events} events, ${s.lost} lost`,
    );
  }

  let ordinaryResult: OrdinaryResult | undefined;
  if (selected.includes('ordinary')) {
    console.log(
      `bench: [ordinary] ${idleSeconds} s idle, then ${ordinarySeconds} s of an ordinary host's load; ` +
        'the whole process tree sampled each second',
    );
    await waitForQuietHost(quietWaitMs);
    ordinaryResult = await ordinary({
      buildDir: paths.buildDir,
      idleSeconds,
      seconds: ordinarySeconds,
      agentSettings: settings,
    });
    const o = ordinaryResult;
    const f = (x: number | null, d = 1): string => fmt(x, d);
    console.log(
      `bench: [ordinary] idle: tree PSS ${f(o.idle.pssMedianMiB)}/${f(o.idle.pssMaxMiB)} MiB, ` +
        `CPU ${f(o.idle.cpuPercent, 2)}%; load: tree PSS ${f(o.load.pssMedianMiB)}/${f(o.load.pssMaxMiB)} MiB ` +
        `(slope ${f(o.load.pssSlopeMiBPerMin, 2)} MiB/min, 2nd half ${f(o.load.pssSlopeLateMiBPerMin, 2)}), CPU ${f(o.load.cpuPercent, 2)}% ` +
        `(agent ${f(o.load.agentCpuPercent, 2)}, rule runner ${f(o.load.childrenCpuPercent, 2)}), ` +
        `BPF ${f(o.load.bpfCpuPercent, 2)}%, ${fmt(o.load.storedPerSecond)} stored/s`,
    );
  }

  restore();
  const meta: Meta = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    host: { ...host, loadAvgAtEnd: readFileSync('/proc/loadavg', 'utf8').trim() },
    options: {
      reps,
      quick,
      workloads: selected,
      rates,
      ladderSeconds: LADDER_SECONDS,
      maxAttempts: MAX_ATTEMPTS,
      apiRequestsPerSecond: apiRps,
      ...(selected.includes('ordinary') ? { idleSeconds, ordinarySeconds } : {}),
      ...(Object.keys(settings).length ? { agentSettings: settings } : {}),
    },
    agent: info,
    bpfStats: { enabledBefore: statsWereOn, restored: bpfStatsEnabled() === statsWereOn },
    workloads: [...WORKLOADS, ...ladder],
    notes,
    skipped,
    failures,
  };
  const stamp = started
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z');
  write(
    {
      ...buildResults(meta, runs, ladderRuns),
      ...(soakResult ? { soak: soakResult } : {}),
      ...(ordinaryResult ? { ordinary: ordinaryResult } : {}),
    },
    stamp,
  );
}

/** Writes results-<stamp>.json, results-<stamp>.md and chart-<stamp>.svg, and prints the report. */
function write(res: Results, stamp: string): void {
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, `results-${stamp}.json`);
  const mdPath = join(outDir, `results-${stamp}.md`);
  const svgPath = join(outDir, `chart-${stamp}.svg`);
  writeFileSync(jsonPath, `${JSON.stringify(res, null, 2)}\n`);
  const written = [jsonPath, mdPath];
  if (res.runs.length > 0 || res.ladder.runs.length > 0) {
    writeFileSync(svgPath, chartSvg(res));
    written.push(svgPath);
  }
  let ordinarySvg: string | undefined;
  if (res.ordinary) {
    ordinarySvg = join(outDir, `ordinary-${stamp}.svg`);
    const { host } = res.meta;
    writeFileSync(ordinarySvg, ordinaryChart(res.ordinary, `${host.cpus} CPUs, kernel ${host.kernel}`));
    written.push(ordinarySvg);
  }
  const md = markdownReport(res, relative(outDir, svgPath), ordinarySvg && relative(outDir, ordinarySvg));
  writeFileSync(mdPath, md);
  console.log(`\n${md}`);
  console.log(`bench: wrote ${written.map((p) => relative(root, p)).join(', ')}`);
}

/** --report FILE: the report again from a results file (e.g. after changing the report), no runs. */
function rerender(file: string): void {
  const old = JSON.parse(readFileSync(file, 'utf8')) as Results;
  // Notes the report writes itself are not kept from the file.
  const own =
    /^(latency|API p99|ring buffer overruns|recursion misses|ref loss|catch-up|skipped|failed|\d+ of \d+ runs)/;
  const meta: Meta = { ...old.meta, notes: old.meta.notes.filter((n) => !own.test(n)) };
  const stamp = /results-(.+)\.json$/.exec(file)?.[1] ?? 'rerendered';
  write(
    {
      ...buildResults(meta, old.runs, old.ladder.runs),
      ...(old.soak ? { soak: old.soak } : {}),
      ...(old.ordinary ? { ordinary: old.ordinary } : {}),
    },
    stamp,
  );
}

(opt.report ? Promise.resolve(rerender(opt.report)) : main()).catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
