/**
 * Ordinary-host profile: the agent as an operator runs it (default monitors,
 * the starter rules, default sinks and retention) first idle, then under a
 * paced mix an ordinary busy host makes — execs, file opens, TCP connections
 * over loopback, DNS queries — with the API polled once a second. The whole
 * process tree (agent and rule runner) is sampled each second (tree.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type AgentStatus, BenchAgent, type Totals, totals } from './agent-run.ts';
import { type ApiFigures, ApiProbe } from './api-probe.ts';
import { type ProgStats, programStats } from './bpf-stats.ts';
import { runStorms } from './children.ts';
import { type DnsFigures, DnsLoad } from './dns-load.ts';
import { waitForSentinels } from './sentinel.ts';
import { lossPercent } from './stats.ts';
import { type TreeSample, TreeSampler, type TreeWindow, treeWindow } from './tree.ts';
import { expectedEvents, storedEvents, stormSpecs, type WorkloadDef } from './workloads.ts';

export interface OrdinaryRates {
  readonly execsPerSecond: number;
  readonly opensPerSecond: number;
  readonly connectsPerSecond: number;
  readonly dnsPerSecond: number;
  /** API requests per second (GET status and GET events?limit=100 in turn). */
  readonly apiPerSecond: number;
}

export const ORDINARY_RATES: OrdinaryRates = {
  execsPerSecond: 200,
  opensPerSecond: 5000,
  connectsPerSecond: 200,
  dnsPerSecond: 50,
  apiPerSecond: 2,
};

/** What bpfwarden should stay under on an ordinary host (printed, not asserted). */
export const TARGETS = { idlePssMiB: 80, ordinaryPssMiB: 100, cpuPercent: 5 } as const;

export interface OrdinaryOptions {
  readonly buildDir: string;
  readonly idleSeconds: number;
  readonly seconds: number;
  readonly rates?: OrdinaryRates;
  readonly agentSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Seconds after the agent is ready before the idle window (start-up work is not idle). */
  readonly settleSeconds?: number;
}

export interface WindowFigures extends TreeWindow {
  /** Kernel time in the agent's BPF programs (bpf_stats), % of one CPU. */
  readonly bpfCpuPercent: number | null;
  readonly storedPerSecond: number;
  readonly capturedPerSecond: number;
  readonly kernelDrops: number;
  readonly queueDropped: number;
  readonly writeFailures: number;
}

export interface OrdinaryResult {
  readonly rates: OrdinaryRates;
  /** [from, to] seconds on the samples' clock. */
  readonly idleWindow: readonly [number, number];
  readonly loadWindow: readonly [number, number];
  readonly idle: WindowFigures;
  readonly load: WindowFigures;
  /** Operations per second the generators reached. */
  readonly reached: { readonly execs: number; readonly opens: number; readonly connects: number };
  /** The workload's own rows against what its operations should produce (after a catch-up). */
  readonly workload: {
    readonly expected: number;
    readonly stored: number;
    readonly lossPct: number | null;
    readonly caughtUp: boolean;
  };
  readonly dns: DnsFigures;
  readonly api: ApiFigures | null;
  /** [seconds, tree PSS MiB, tree RSS MiB, tree CPU seconds] per sample. */
  readonly samples: readonly (readonly [number, number, number, number])[];
  /** comm of every pid seen in the tree. */
  readonly members: Readonly<Record<number, string>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function bpfNs(pid: number): number {
  return programStats(pid).reduce((a, p: ProgStats) => a + p.runTimeNs, 0);
}

interface Edge {
  readonly sample: TreeSample | null;
  readonly totals: Totals;
  readonly bpfNs: number;
}

async function edge(agent: BenchAgent, sampler: TreeSampler): Promise<Edge> {
  const s: AgentStatus = agent.status() ?? (await agent.nextStatus());
  return { sample: sampler.sample(), totals: totals(s), bpfNs: bpfNs(agent.pid) };
}

function windowFigures(samples: readonly TreeSample[], a: Edge, b: Edge): WindowFigures {
  const from = a.sample?.t ?? 0;
  const to = b.sample?.t ?? from;
  const w = treeWindow(samples, from, to);
  const secs = to - from;
  const per = (x: number): number => (secs > 0 ? x / secs : 0);
  return {
    ...w,
    bpfCpuPercent: secs > 0 ? ((b.bpfNs - a.bpfNs) / (secs * 1e9)) * 100 : null,
    storedPerSecond: per(b.totals.stored - a.totals.stored),
    capturedPerSecond: per(b.totals.events - a.totals.events),
    kernelDrops: b.totals.kernelDrops - a.totals.kernelDrops,
    queueDropped: b.totals.queueDropped - a.totals.queueDropped,
    writeFailures: b.totals.writeFailures - a.totals.writeFailures,
  };
}

export async function ordinary(opts: OrdinaryOptions): Promise<OrdinaryResult> {
  const rates = opts.rates ?? ORDINARY_RATES;
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-ordinary-'));
  const marker = `bw-bench-ordinary-${process.pid}-${Date.now()}`;
  const secs = opts.seconds;
  const w: WorkloadDef = {
    name: 'ordinary',
    description: 'paced execs, opens, connects',
    objects: ['process', 'file', 'net'],
    exec: { count: Math.round(rates.execsPerSecond * secs), workers: 2 },
    open: { count: Math.round(rates.opensPerSecond * secs), workers: 1, rate: rates.opensPerSecond },
    connect: { count: Math.round(rates.connectsPerSecond * secs), workers: 1, rate: rates.connectsPerSecond },
  };
  const specs = stormSpecs(w, opts.buildDir, dir, marker).map((s) =>
    // exec_storm COUNT WORKERS MARKER [BINARY [RATE]]: paced like the others.
    s.kind === 'exec' ? { ...s, args: [...s.args, '/bin/true', String(rates.execsPerSecond)] } : s,
  );
  const monitors: Record<string, Record<string, unknown>> = {};
  for (const [m, v] of Object.entries(opts.agentSettings ?? {})) monitors[m] = { ...v };
  const agent = await BenchAgent.start({ dir, monitors, defaultRetention: true });
  const sampler = new TreeSampler(agent.pid);
  try {
    await sleep((opts.settleSeconds ?? 5) * 1000);
    const i0 = await edge(agent, sampler);
    await sleep(opts.idleSeconds * 1000);
    const i1 = await edge(agent, sampler);

    const dns = await DnsLoad.start(rates.dnsPerSecond);
    const probe =
      rates.apiPerSecond > 0
        ? await ApiProbe.startPaths(
            agent.apiSocket,
            ['/api/v1/status', '/api/v1/events?limit=100'],
            rates.apiPerSecond,
          )
        : undefined;
    const l0 = await edge(agent, sampler);
    let storms: Awaited<ReturnType<typeof runStorms>>;
    let api: ApiFigures | null = null;
    let dnsFigures: DnsFigures;
    try {
      storms = await runStorms(specs);
    } finally {
      api = (await probe?.stop()) ?? null;
      dnsFigures = await dns.stop();
    }
    const l1 = await edge(agent, sampler);

    const reader = new DatabaseSync(agent.database, { readOnly: true });
    let caught: { caughtUp: boolean };
    let stored = 0;
    try {
      caught = await waitForSentinels(reader, w.objects, opts.buildDir, dir, 120_000);
      stored = specs.reduce((a, s, i) => a + storedEvents(reader, s, storms.runs[i]!, marker), 0);
    } finally {
      reader.close();
    }
    const expected = specs.reduce((a, s, i) => a + expectedEvents(s, storms.runs[i]!), 0);
    const samples = sampler.stop();
    const ops = (i: number): number => {
      const o = storms.runs[i]?.output ?? {};
      return (o.ops ?? o.spawned ?? 0) / storms.wallSeconds;
    };
    const members: Record<number, string> = {};
    for (const s of samples) Object.assign(members, s.members);
    return {
      rates,
      idleWindow: [i0.sample?.t ?? 0, i1.sample?.t ?? 0],
      loadWindow: [l0.sample?.t ?? 0, l1.sample?.t ?? 0],
      idle: windowFigures(samples, i0, i1),
      load: windowFigures(samples, l0, l1),
      reached: { execs: ops(0), opens: ops(1), connects: ops(2) },
      workload: { expected, stored, lossPct: lossPercent(expected, stored), caughtUp: caught.caughtUp },
      dns: dnsFigures,
      api,
      samples: samples.map((s) => [s.t, s.pssKiB / 1024, s.rssKiB / 1024, s.cpuSeconds] as const),
      members,
    };
  } finally {
    sampler.stop();
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
