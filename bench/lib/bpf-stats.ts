/**
 * Kernel-side cost of BPF programs: with kernel.bpf_stats_enabled set, the
 * kernel counts each program's runs and the time spent in them. Programs are
 * found by the process that holds them (prog_id in /proc/<pid>/fdinfo), so
 * the same program names loaded by someone else on the host do not mix in;
 * names and counters come from `bpftool prog show -j`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

const SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

export interface ProgStats {
  readonly id: number;
  readonly name: string;
  readonly runCnt: number;
  readonly runTimeNs: number;
  /** Runs the kernel skipped because a BPF program was already running on that CPU (silent loss). */
  readonly recursionMisses: number;
}

/** Turns run-time statistics on; returns a function that restores the previous setting. */
export function enableBpfStats(): () => void {
  let previous: string;
  try {
    previous = readFileSync(SYSCTL, 'utf8').trim();
  } catch {
    return () => {};
  }
  if (previous !== '1') writeFileSync(SYSCTL, '1\n');
  let restored = false;
  return () => {
    if (restored || previous === '1') return;
    restored = true;
    try {
      writeFileSync(SYSCTL, `${previous}\n`);
    } catch {
      // Nothing more to do: the caller reports the setting it found.
    }
  };
}

export function bpfStatsEnabled(): boolean {
  try {
    return readFileSync(SYSCTL, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** prog_id of a bpf-prog fdinfo text, or undefined for other kinds of fd. */
export function parseFdinfoProgId(fdinfo: string): number | undefined {
  const m = /^prog_id:\s+(\d+)$/m.exec(fdinfo);
  return m ? Number(m[1]) : undefined;
}

/** Ids of the BPF programs a process holds open. */
export function progIdsOf(pid: number): Set<number> {
  const ids = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return ids;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const id = parseFdinfoProgId(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (id !== undefined) ids.add(id);
    } catch {
      // fd closed between readdir and read.
    }
  }
  return ids;
}

/** Parses `bpftool prog show -j` output. */
export function parseBpftoolProgs(json: string): ProgStats[] {
  const raw: unknown = JSON.parse(json);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p: unknown) => {
    if (typeof p !== 'object' || p === null) return [];
    const o = p as Record<string, unknown>;
    if (typeof o.id !== 'number') return [];
    return [
      {
        id: o.id,
        name: typeof o.name === 'string' ? o.name : `prog${o.id}`,
        runCnt: typeof o.run_cnt === 'number' ? o.run_cnt : 0,
        runTimeNs: typeof o.run_time_ns === 'number' ? o.run_time_ns : 0,
        recursionMisses: typeof o.recursion_misses === 'number' ? o.recursion_misses : 0,
      },
    ];
  });
}

/** Every BPF program loaded on the host, or [] when bpftool fails. */
export function allPrograms(): ProgStats[] {
  try {
    return parseBpftoolProgs(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' }));
  } catch {
    return [];
  }
}

/** Current counters of the programs held by pid (by name when /proc gives no ids). */
export function programStats(pid: number, names: readonly string[] = []): ProgStats[] {
  const all = allPrograms();
  const ids = progIdsOf(pid);
  if (ids.size > 0) return all.filter((p) => ids.has(p.id));
  return all.filter((p) => names.includes(p.name));
}

/** Programs loaded by anyone but these processes: others' tracing adds cost to every mode. */
export function foreignPrograms(ownPids: readonly number[]): ProgStats[] {
  const own = new Set(ownPids.flatMap((pid) => [...progIdsOf(pid)]));
  return allPrograms().filter((p) => !own.has(p.id));
}

export interface ProgCost {
  readonly name: string;
  readonly runCnt: number;
  readonly runTimeNs: number;
  readonly recursionMisses: number;
  /** Mean time per run, ns. */
  readonly avgNs: number | null;
}

/** Per program name, what ran between two snapshots (programs summed by name). */
export function progDelta(before: readonly ProgStats[], after: readonly ProgStats[]): ProgCost[] {
  const prev = new Map(before.map((p) => [p.id, p]));
  const byName = new Map<string, { runCnt: number; runTimeNs: number; recursionMisses: number }>();
  for (const p of after) {
    const b = prev.get(p.id);
    const acc = byName.get(p.name) ?? { runCnt: 0, runTimeNs: 0, recursionMisses: 0 };
    acc.runCnt += p.runCnt - (b?.runCnt ?? 0);
    acc.runTimeNs += p.runTimeNs - (b?.runTimeNs ?? 0);
    acc.recursionMisses += p.recursionMisses - (b?.recursionMisses ?? 0);
    byName.set(p.name, acc);
  }
  return [...byName]
    .map(([name, v]) => ({ name, ...v, avgNs: v.runCnt > 0 ? v.runTimeNs / v.runCnt : null }))
    .sort((a, b) => b.runTimeNs - a.runTimeNs);
}
