/** A process's CPU time and memory from /proc, and a once-a-second RSS sampler. */
import { readdirSync, readFileSync } from 'node:fs';
import { median } from './stats.ts';

/** Clock ticks per second for /proc/<pid>/stat (sysconf(_SC_CLK_TCK); 100 on Linux for decades). */
export const CLK_TCK = 100;

/** utime + stime in seconds from the text of /proc/<pid>/stat (all threads of the process). */
export function parseStatCpuSeconds(stat: string): number {
  // comm (field 2) may hold spaces and parentheses: fields restart after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error('unexpected /proc/<pid>/stat format');
  return (utime + stime) / CLK_TCK;
}

export interface Memory {
  /** Resident set now, KiB. */
  readonly rssKiB: number;
  /** Peak resident set (high water mark), KiB. */
  readonly hwmKiB: number;
}

/** VmRSS and VmHWM from the text of /proc/<pid>/status. */
export function parseStatusMemory(status: string): Memory {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : Number.NaN;
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Busy and total CPU seconds of the whole host (all CPUs) from the text of /proc/stat. */
export function parseHostCpu(stat: string): { busy: number; total: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, x) => a + x, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

export function hostCpu(): { busy: number; total: number } {
  return parseHostCpu(readFileSync('/proc/stat', 'utf8'));
}

/** CPU seconds used so far by a live process, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    return parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Direct children of a live process (every thread's), or [] when it is gone. */
export function childPids(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

/** CPU seconds of a process's live children (the agent's rule runner), by pid. */
export function childCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of childPids(pid)) {
    const s = cpuSeconds(c);
    if (s !== null) out.set(c, s);
  }
  return out;
}

export function memory(pid: number): Memory | null {
  try {
    return parseStatusMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** Samples a process's RSS once per interval until stopped. */
export class RssSampler {
  readonly #pid: number;
  readonly #samples: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number, intervalMs = 1000) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    const m = memory(this.#pid);
    if (m && Number.isFinite(m.rssKiB)) this.#samples.push(m.rssKiB);
  }

  /** Stops sampling (taking one last sample) and returns the samples in KiB. */
  stop(): number[] {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#sample();
    }
    return [...this.#samples];
  }
}

/** Steady-state value of a series sampled over a run: the median of its last half. */
export function steadyValue(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  return median(samples.slice(Math.floor(samples.length / 2)));
}
