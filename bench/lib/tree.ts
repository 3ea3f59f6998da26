/**
 * The whole bpfwarden process tree under a benchmark: the agent (node, with
 * its threads) and every descendant it starts (the rule runner, forked and
 * restarted after an overrun). Sampled once a second because children come
 * and go: PSS summed over the tree (shared pages split between the sharers,
 * so the agent and a forked child are not counted twice, unlike RSS), RSS
 * and private dirty for reference, and CPU seconds of the tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { CLK_TCK } from './proc.ts';
import { slope } from './soak.ts';
import { median } from './stats.ts';

export interface Rollup {
  readonly pssKiB: number;
  readonly rssKiB: number;
  readonly privateDirtyKiB: number;
}

/** Pss, Rss and Private_Dirty (kB) from the text of /proc/<pid>/smaps_rollup. */
export function parseSmapsRollup(text: string): Rollup {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} line in smaps_rollup`);
    return Number(m[1]);
  };
  return { pssKiB: field('Pss'), rssKiB: field('Rss'), privateDirtyKiB: field('Private_Dirty') };
}

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /** utime + stime of the process (all its threads), seconds. */
  readonly cpuSeconds: number;
  /** cutime + cstime: children it has waited for (and theirs), seconds. */
  readonly childrenCpuSeconds: number;
}

/** The fields the tree needs from the text of /proc/<pid>/stat. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('unexpected /proc/<pid>/stat format');
  // comm may hold spaces and parentheses: fields restart after the last ')'.
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid field 4, utime 14, stime 15, cutime 16, cstime 17.
  const v = [rest[1], rest[11], rest[12], rest[13], rest[14]].map(Number);
  if (!v.every(Number.isFinite)) throw new Error('unexpected /proc/<pid>/stat format');
  const [ppid, utime, stime, cutime, cstime] = v as [number, number, number, number, number];
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid,
    cpuSeconds: (utime + stime) / CLK_TCK,
    childrenCpuSeconds: (cutime + cstime) / CLK_TCK,
  };
}

/**
 * A short name for a member: the script node runs (runner-child.js, main.js)
 * from the NUL-separated /proc/<pid>/cmdline, else the command's basename,
 * else comm (node names its main thread MainThread, which tells nothing).
 */
export function processLabel(cmdline: string, comm: string): string {
  const argv = cmdline.split('\0').filter(Boolean);
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const script = argv.slice(1).find((a) => !a.startsWith('-') && /\.(c|m)?(j|t)s$/.test(a));
  if (script) return base(script);
  return argv[0] ? base(argv[0]) : comm;
}

/** root and its descendants, from (pid, ppid) pairs of every process on the host. */
export function descendants(root: number, parents: ReadonlyMap<number, number>): number[] {
  const kids = new Map<number, number[]>();
  for (const [pid, ppid] of parents) kids.set(ppid, [...(kids.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    if (out.includes(p)) continue;
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

export interface TreeSample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly pssKiB: number;
  readonly rssKiB: number;
  readonly privateDirtyKiB: number;
  /**
   * CPU seconds the tree has used: every live member's own and its waited-for
   * children's, so a child that exited (its time moved to its parent's
   * cutime) still counts and nothing counts twice.
   */
  readonly cpuSeconds: number;
  /** The agent process alone (its threads: ring consumer, store worker, API). */
  readonly agentCpuSeconds: number;
  /** pid → label (processLabel) of the members at this sample. */
  readonly members: Readonly<Record<number, string>>;
}

/** One sample from the stats and rollups of the tree's members; members that vanished are left out. */
export function treeSample(
  t: number,
  root: number,
  stats: readonly ProcStat[],
  rollups: ReadonlyMap<number, Rollup>,
  labels: ReadonlyMap<number, string> = new Map(),
): TreeSample | null {
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return null;
  const sum = (f: (r: Rollup) => number): number => [...rollups.values()].reduce((a, r) => a + f(r), 0);
  return {
    t,
    pssKiB: sum((r) => r.pssKiB),
    rssKiB: sum((r) => r.rssKiB),
    privateDirtyKiB: sum((r) => r.privateDirtyKiB),
    cpuSeconds: stats.reduce((a, s) => a + s.cpuSeconds + s.childrenCpuSeconds, 0),
    agentCpuSeconds: rootStat.cpuSeconds,
    members: Object.fromEntries(stats.map((s) => [s.pid, labels.get(s.pid) ?? s.comm])),
  };
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone between the listing and the read
  }
}

/** (pid, ppid) of every process on the host. */
function hostParents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.set(s.pid, s.ppid);
  }
  return out;
}

/** A sample of the tree rooted at pid now, or null when the root is gone. */
export function sampleTree(root: number, t: number): TreeSample | null {
  const stats = descendants(root, hostParents()).flatMap((p) => readStat(p) ?? []);
  const rollups = new Map<number, Rollup>();
  const labels = new Map<number, string>();
  for (const s of stats) {
    try {
      rollups.set(s.pid, parseSmapsRollup(readFileSync(`/proc/${s.pid}/smaps_rollup`, 'utf8')));
      labels.set(s.pid, processLabel(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8'), s.comm));
    } catch {
      // Exited since its stat was read (or a zombie, which has no memory).
    }
  }
  return treeSample(t, root, stats, rollups, labels);
}

/** Samples the tree once per interval until stopped. */
export class TreeSampler {
  readonly #root: number;
  readonly #t0 = performance.now();
  readonly #samples: TreeSample[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(root: number, intervalMs = 1000) {
    this.#root = root;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Seconds since the sampler started (the samples' clock). */
  now(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  /** Takes a sample now (also between ticks, to mark a window's edge). */
  sample(): TreeSample | null {
    const s = sampleTree(this.#root, this.now());
    if (s) this.#samples.push(s);
    return s;
  }

  get samples(): readonly TreeSample[] {
    return this.#samples;
  }

  stop(): TreeSample[] {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.sample();
    }
    return [...this.#samples];
  }
}

export interface TreeWindow {
  readonly seconds: number;
  readonly samples: number;
  readonly pssMedianMiB: number | null;
  readonly pssMaxMiB: number | null;
  /** Least-squares slope of the tree's PSS over the window, MiB per minute (includes the ramp-up to load). */
  readonly pssSlopeMiBPerMin: number | null;
  /** The same over the window's second half, after heaps and caches have grown to the load: flat is near 0. */
  readonly pssSlopeLateMiBPerMin: number | null;
  readonly rssMedianMiB: number | null;
  readonly rssMaxMiB: number | null;
  readonly privateDirtyMedianMiB: number | null;
  /** The tree's CPU as a share of one core over the window, %. */
  readonly cpuPercent: number | null;
  readonly agentCpuPercent: number | null;
  /** Everything but the agent process: the rule runner(s), live or exited. */
  readonly childrenCpuPercent: number | null;
  /** Most members at once, and the distinct pids seen. */
  readonly maxMembers: number;
  readonly distinctPids: number;
}

/** Figures of the samples within [from, to] seconds (the edges should be samples). */
export function treeWindow(samples: readonly TreeSample[], from: number, to: number): TreeWindow {
  const w = samples.filter((s) => s.t >= from && s.t <= to);
  const mib = (f: (s: TreeSample) => number): number[] => w.map((s) => f(s) / 1024);
  const med = (xs: number[]): number | null => (xs.length ? median(xs) : null);
  const max = (xs: number[]): number | null => (xs.length ? Math.max(...xs) : null);
  const pss = mib((s) => s.pssKiB);
  const rss = mib((s) => s.rssKiB);
  const first = w[0];
  const last = w.at(-1);
  const span = first && last ? last.t - first.t : 0;
  const pct = (f: (s: TreeSample) => number): number | null =>
    first && last && span > 0 ? ((f(last) - f(first)) / span) * 100 : null;
  const points = w.map((s, i) => [s.t, pss[i]!] as const);
  const perSecond = slope(points);
  const late = slope(points.filter(([t]) => t >= from + (to - from) / 2));
  const cpu = pct((s) => s.cpuSeconds);
  const agent = pct((s) => s.agentCpuSeconds);
  return {
    seconds: span,
    samples: w.length,
    pssMedianMiB: med(pss),
    pssMaxMiB: max(pss),
    pssSlopeMiBPerMin: perSecond === null ? null : perSecond * 60,
    pssSlopeLateMiBPerMin: late === null ? null : late * 60,
    rssMedianMiB: med(rss),
    rssMaxMiB: max(rss),
    privateDirtyMedianMiB: med(mib((s) => s.privateDirtyKiB)),
    cpuPercent: cpu,
    agentCpuPercent: agent,
    childrenCpuPercent: cpu !== null && agent !== null ? cpu - agent : null,
    maxMembers: Math.max(0, ...w.map((s) => Object.keys(s.members).length)),
    distinctPids: new Set(w.flatMap((s) => Object.keys(s.members))).size,
  };
}

/** Largest tree PSS among the samples, MiB. */
export function peakPssMiB(samples: readonly TreeSample[]): number | null {
  return samples.length ? Math.max(...samples.map((s) => s.pssKiB)) / 1024 : null;
}

/** "met" when value ≤ limit, else "over by X" (in the value's unit); "–" when unknown. */
export function verdict(value: number | null, limit: number, decimals = 1): string {
  if (value === null || !Number.isFinite(value)) return '–';
  return value <= limit ? 'met' : `over by ${(value - limit).toFixed(decimals)}`;
}
