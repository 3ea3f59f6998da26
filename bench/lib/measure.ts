/**
 * One measured run: a workload with no consumer, with the agent, or with the
 * reference C consumer of the same compiled programs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { BenchAgent, totals } from './agent-run.ts';
import { type ApiFigures, ApiProbe } from './api-probe.ts';
import { foreignPrograms, type ProgCost, type ProgStats, progDelta, programStats } from './bpf-stats.ts';
import { runStorms, type StormSpecLike, type StormsResult, startRef } from './children.ts';
import { cpuSeconds, hostCpu, memory, RssSampler, steadyValue } from './proc.ts';
import { waitForSentinels } from './sentinel.ts';
import { lossPercent, unfilteredLossPercent } from './stats.ts';
import { peakPssMiB, TreeSampler } from './tree.ts';
import {
  apiEventType,
  expectedEvents,
  OBJECTS,
  objectGlobals,
  type StormSpec,
  storedEvents,
  stormSpecs,
  type WorkloadDef,
} from './workloads.ts';

export type Mode = 'none' | 'agent' | 'ref';
export const MODES: readonly Mode[] = ['none', 'agent', 'ref'];

export interface Paths {
  readonly root: string;
  readonly buildDir: string;
  readonly bpfDir: string;
  readonly refBin: string;
}

/** What the agent knows: monitor names and each one's ring size by default. */
export interface AgentInfo {
  readonly monitors: readonly string[];
  readonly ringBytes: Readonly<Record<string, number>>;
}

export interface KernelCost {
  readonly programs: ProgCost[];
  readonly runCnt: number;
  readonly runTimeNs: number;
  /** Runs skipped by the kernel's per-CPU recursion guard: events lost before any ring buffer. */
  readonly recursionMisses: number;
}

export interface AgentFigures {
  readonly stored: number;
  /** Events decoded by the agent during the run (all of the host's, not only the workload's). */
  readonly captured: number;
  /** The agent's CPU share (of one core) before the workload: the host's background activity. */
  readonly idleCpuShare: number;
  readonly kernelDrops: number;
  readonly queueDropped: number;
  readonly writeFailures: number;
  readonly decodeErrors: number;
  readonly callbackErrors: number;
  readonly cpuSeconds: number | null;
  readonly cpuPerMillionEvents: number | null;
  readonly peakRssMiB: number | null;
  readonly steadyRssMiB: number | null;
  /** Largest PSS of the agent's whole process tree (agent + rule runner), sampled each second; absent from older results. */
  readonly peakTreePssMiB?: number | null;
  /** From the workload's end until a sentinel event sent after it was committed (see sentinel.ts). */
  readonly catchUpSeconds: number;
  readonly caughtUp: boolean;
  readonly recordsPerWakeup: number | null;
  /** Kernel timestamp to committed row; null until the agent exports store.latencyMs in status.json. */
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
  /** GET events on the agent's socket during the workload (api-probe.ts). */
  readonly api: ApiFigures | null;
  readonly exitCode: number | null;
}

export interface RefFigures {
  readonly records: number;
  readonly bytes: number;
  readonly drops: number;
  readonly cpuSeconds: number | null;
  readonly cpuPerMillionEvents: number | null;
  readonly peakRssMiB: number | null;
}

export interface RunRecord {
  readonly workload: string;
  readonly mode: Mode;
  readonly rep: number;
  readonly targetRate?: number;
  readonly wallSeconds: number;
  /** Operations per second the storms reached (sum over storms). */
  readonly opsPerSecond: number;
  /** Expected events per second (events the operations should produce / wall time). */
  readonly eventsPerSecond: number;
  /** CPU of the storms (user + system, children included); system time includes the BPF programs. */
  readonly workloadCpuSeconds: number;
  readonly expected: number;
  readonly storms: readonly { kind: string; pid: number; output: Record<string, number> }[];
  /** agent: rows matched to the workload vs expected; ref: see unfilteredLossPercent. */
  readonly lossPct: number | null;
  readonly agent?: AgentFigures;
  readonly ref?: RefFigures;
  readonly kernel?: KernelCost;
  /** CPU of the consumer (agent or reference), seconds. */
  readonly consumerCpuSeconds?: number | null;
  /** BPF programs someone else had loaded when the storm started (their cost lands in every mode). */
  readonly foreignPrograms: readonly string[];
  /** Host CPU busy during the storm beyond the storm and the consumer, as a share of all CPUs. */
  readonly hostOtherShare: number;
  /** Someone else's programs were loaded, or others used more than noisyShare(mode) of the host. */
  readonly noisy: boolean;
  readonly loadAvg: string;
}

/** Other activity above this share of the host's CPUs makes a run noisy (softirq and kernel threads included). */
export const NOISY_SHARE = 0.15;

/**
 * The agent's own runs show 5–20% "other" activity on a quiet host: kernel
 * threads writing its database back (kworker, jbd2) and its ring buffer
 * wake-ups are not in its process CPU. That is agent cost, not noise.
 */
export function noisyShare(mode: Mode): number {
  return mode === 'agent' ? 0.25 : NOISY_SHARE;
}

interface Timed {
  readonly r: StormsResult;
  readonly foreign: readonly ProgStats[];
  readonly hostOtherShare: number;
}

/** Runs the storms, noting what else the host did meanwhile. */
async function timedStorms(specs: readonly StormSpecLike[], consumerPids: readonly number[]): Promise<Timed> {
  const foreign = foreignPrograms(consumerPids);
  const h0 = hostCpu();
  const c0 = consumerPids.map(cpuSeconds);
  const r = await runStorms(specs);
  const h1 = hostCpu();
  const c1 = consumerPids.map(cpuSeconds);
  const storms = r.runs.reduce((a, x) => a + (x.output.cpuUser ?? 0) + (x.output.cpuSys ?? 0), 0);
  const consumers = c1.reduce<number>((a, c, i) => a + (c ?? 0) - (c0[i] ?? 0), 0);
  const other = Math.max(0, h1.busy - h0.busy - storms - consumers);
  return { r, foreign, hostOtherShare: other / (r.wallSeconds * cpus().length) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number | undefined): number | null =>
  kib == null || !Number.isFinite(kib) ? null : kib / 1024;

function kernelCost(before: ProgStats[], after: ProgStats[]): KernelCost {
  const programs = progDelta(before, after);
  return {
    programs,
    runCnt: programs.reduce((a, p) => a + p.runCnt, 0),
    runTimeNs: programs.reduce((a, p) => a + p.runTimeNs, 0),
    recursionMisses: programs.reduce((a, p) => a + p.recursionMisses, 0),
  };
}

function base(
  w: WorkloadDef,
  mode: Mode,
  rep: number,
  specs: readonly StormSpec[],
  targetRate: number | undefined,
  t: Timed,
): Omit<RunRecord, 'lossPct'> {
  const { r, foreign } = t;
  const expected = specs.reduce((a, s, i) => a + expectedEvents(s, r.runs[i]!), 0);
  const ops = r.runs.reduce((a, x) => a + (x.output.ops ?? x.output.spawned ?? 0), 0);
  const cpu = r.runs.reduce((a, x) => a + (x.output.cpuUser ?? 0) + (x.output.cpuSys ?? 0), 0);
  return {
    workload: w.name,
    mode,
    rep,
    ...(targetRate !== undefined ? { targetRate } : {}),
    wallSeconds: r.wallSeconds,
    opsPerSecond: ops / r.wallSeconds,
    eventsPerSecond: expected / r.wallSeconds,
    workloadCpuSeconds: cpu,
    expected,
    storms: r.runs.map((x, i) => ({ kind: specs[i]!.kind, pid: x.pid, output: x.output })),
    foreignPrograms: [...new Set(foreign.map((p) => p.name))].sort(),
    hostOtherShare: t.hostOtherShare,
    noisy: foreign.length > 0 || t.hostOtherShare > noisyShare(mode),
    loadAvg: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
}

/**
 * Waits (up to maxMs) until nobody else has BPF programs loaded and the host
 * is nearly idle (other people's work on a shared host would land in every
 * mode). Returns whether it got there.
 */
export async function waitForQuietHost(maxMs: number): Promise<boolean> {
  const until = Date.now() + maxMs;
  for (;;) {
    const h0 = hostCpu();
    await sleep(500);
    const h1 = hostCpu();
    const share = (h1.busy - h0.busy) / (h1.total - h0.total || 1);
    if ((share < NOISY_SHARE / 2 && foreignPrograms([]).length === 0) || Date.now() >= until)
      return Date.now() < until;
  }
}

export interface RunOptions {
  readonly paths: Paths;
  readonly agentInfo: AgentInfo;
  /** How long the agent may take to catch up after the workload. */
  readonly catchUpTimeoutMs: number;
  /** How long to wait for other people's BPF programs to go away before a run. */
  readonly quietWaitMs: number;
  readonly targetRate?: number;
  /** Extra monitors.<name> settings for the agent (--agent-set name.key=value). */
  readonly agentSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** GET events on the agent's API during agent runs, per second (0: none). */
  readonly apiRequestsPerSecond?: number;
}

export async function measure(w: WorkloadDef, mode: Mode, rep: number, opts: RunOptions): Promise<RunRecord> {
  const tmp = mkdtempSync(join(tmpdir(), `bw-bench-${w.name}-${mode}-`));
  const marker = `bw-bench-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const specs = stormSpecs(w, opts.paths.buildDir, tmp, marker);
  try {
    await waitForQuietHost(opts.quietWaitMs);
    if (mode === 'none') {
      const t = await timedStorms(specs, []);
      return { ...base(w, mode, rep, specs, opts.targetRate, t), lossPct: null };
    }
    if (mode === 'ref') return await measureRef(w, rep, specs, opts);
    return await measureAgent(w, rep, specs, marker, tmp, opts);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function measureRef(
  w: WorkloadDef,
  rep: number,
  specs: readonly StormSpec[],
  opts: RunOptions,
): Promise<RunRecord> {
  const refs = [];
  try {
    for (const m of w.objects) {
      const o = OBJECTS[m];
      const ring = opts.agentInfo.ringBytes[m];
      const args = [
        join(opts.paths.bpfDir, `${m}.bpf.o`),
        o.ringMap,
        o.dropsMap,
        String(ring ?? 0),
        ...objectGlobals(m),
      ];
      refs.push(await startRef(opts.paths.refBin, args));
    }
  } catch (err) {
    await Promise.allSettled(refs.map((r) => r.stop()));
    throw err;
  }
  const progsBefore = refs.flatMap((r) => programStats(r.pid));
  const cpuBefore = refs.map((r) => cpuSeconds(r.pid));
  const t = await timedStorms(
    specs,
    refs.map((x) => x.pid),
  );
  await sleep(200); // the last wake-ups
  const cpuAfter = refs.map((x) => cpuSeconds(x.pid));
  const progsAfter = refs.flatMap((x) => programStats(x.pid));
  const hwm = refs.reduce((a, x) => a + (memory(x.pid)?.hwmKiB ?? 0), 0);
  const results = await Promise.all(refs.map((x) => x.stop()));
  const records = results.reduce((a, x) => a + x.records, 0);
  const drops = results.reduce((a, x) => a + x.drops, 0);
  const cpu =
    cpuBefore.every((c) => c !== null) && cpuAfter.every((c) => c !== null)
      ? cpuAfter.reduce((a, c, i) => a + c! - cpuBefore[i]!, 0)
      : null;
  return {
    ...base(w, 'ref', rep, specs, opts.targetRate, t),
    lossPct: unfilteredLossPercent(
      specs.reduce((a, sp, i) => a + expectedEvents(sp, t.r.runs[i]!), 0),
      records,
      drops,
    ),
    ref: {
      records,
      bytes: results.reduce((a, x) => a + x.bytes, 0),
      drops,
      cpuSeconds: cpu,
      cpuPerMillionEvents: cpu !== null && records > 0 ? (cpu / records) * 1e6 : null,
      peakRssMiB: mib(hwm),
    },
    kernel: kernelCost(progsBefore, progsAfter),
    consumerCpuSeconds: cpu,
  };
}

async function measureAgent(
  w: WorkloadDef,
  rep: number,
  specs: readonly StormSpec[],
  marker: string,
  tmp: string,
  opts: RunOptions,
): Promise<RunRecord> {
  const monitors: Record<string, Record<string, unknown>> = {};
  for (const m of opts.agentInfo.monitors) {
    const on = (w.objects as readonly string[]).includes(m);
    const ring = opts.agentInfo.ringBytes[m];
    monitors[m] = on && ring ? { enabled: true, ringBufferBytes: ring } : { enabled: on };
    if (on) Object.assign(monitors[m], opts.agentSettings?.[m]);
  }
  const agent = await BenchAgent.start({ dir: tmp, monitors });
  let stopped = false;
  try {
    // The agent's CPU share with the host's background activity and no workload, over one second.
    const idle0 = cpuSeconds(agent.pid);
    await sleep(1000);
    const idle1 = cpuSeconds(agent.pid);
    const idleShare = idle0 !== null && idle1 !== null ? idle1 - idle0 : 0;
    const before = totals(agent.status() ?? (await agent.nextStatus()));
    const progsBefore = programStats(agent.pid);
    const cpuBefore = cpuSeconds(agent.pid);
    const rss = new RssSampler(agent.pid);
    const tree = new TreeSampler(agent.pid);
    const rps = opts.apiRequestsPerSecond ?? 10;
    const probe = rps > 0 ? await ApiProbe.start(agent.apiSocket, apiEventType(w), rps) : undefined;
    let t: Awaited<ReturnType<typeof timedStorms>>;
    let api: ApiFigures | null = null;
    try {
      t = await timedStorms(specs, [agent.pid]);
    } finally {
      api = (await probe?.stop()) ?? null;
    }
    const r = t.r;
    const reader = new DatabaseSync(agent.database, { readOnly: true });
    let caught: { caughtUp: boolean; atMs: number };
    try {
      caught = await waitForSentinels(reader, w.objects, opts.paths.buildDir, tmp, opts.catchUpTimeoutMs);
    } finally {
      reader.close();
    }
    const cpuAfter = cpuSeconds(agent.pid);
    const status = await agent.nextStatus();
    const progsAfter = programStats(agent.pid);
    const mem = memory(agent.pid);
    const samples = rss.stop();
    const treePeak = peakPssMiB(tree.stop());
    const latency = status.store.latencyMs ?? null;
    stopped = true;
    const end = await agent.stop();
    const live = totals(status);
    const fin = end.final ? totals(end.final) : live;
    const db = new DatabaseSync(agent.database, { readOnly: true });
    let stored = 0;
    try {
      stored = specs.reduce((a, s, i) => a + storedEvents(db, s, r.runs[i]!, marker), 0);
    } finally {
      db.close();
    }
    const captured = fin.events - before.events;
    const cpu = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
    const b = base(w, 'agent', rep, specs, opts.targetRate, t);
    return {
      ...b,
      lossPct: lossPercent(b.expected, stored),
      agent: {
        stored,
        captured,
        idleCpuShare: idleShare,
        kernelDrops: fin.kernelDrops - before.kernelDrops,
        queueDropped: fin.queueDropped - before.queueDropped,
        writeFailures: fin.writeFailures - before.writeFailures,
        decodeErrors: fin.decodeErrors - before.decodeErrors,
        callbackErrors: fin.callbackErrors - before.callbackErrors,
        cpuSeconds: cpu,
        cpuPerMillionEvents: cpu !== null && captured > 0 ? (cpu / captured) * 1e6 : null,
        peakRssMiB: mib(mem?.hwmKiB),
        steadyRssMiB: mib(steadyValue(samples) ?? undefined),
        peakTreePssMiB: treePeak,
        catchUpSeconds: Math.max(0, (caught.atMs - r.endedAtMs) / 1000),
        caughtUp: caught.caughtUp,
        // Ring counters go with the ring at stop: read them from the last status while running.
        recordsPerWakeup:
          live.wakeups - before.wakeups > 0
            ? (live.ringRecords - before.ringRecords) / (live.wakeups - before.wakeups)
            : null,
        latencyMs: latency,
        api,
        exitCode: end.code,
      },
      kernel: kernelCost(progsBefore, progsAfter),
      consumerCpuSeconds: cpu,
    };
  } finally {
    if (!stopped) await agent.stop();
  }
}
