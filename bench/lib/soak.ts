/**
 * Churn soak: the agent with its default monitors under steady process
 * churn (short-lived execs) and a trickle of file opens for a long while,
 * its RSS sampled every second. A leak shows as a slope that stays positive
 * in the second half, after caches and heaps have reached their size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchAgent, totals } from './agent-run.ts';
import { runStorms } from './children.ts';
import { childCpuSeconds, cpuSeconds, memory } from './proc.ts';
import { median } from './stats.ts';

export interface SoakOptions {
  readonly buildDir: string;
  readonly seconds: number;
  /** Execs per second (fork + exec + exit: three process events each). */
  readonly execsPerSecond: number;
  readonly opensPerSecond: number;
  readonly agentSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly monitors: readonly string[];
}

export interface SoakResult {
  readonly seconds: number;
  readonly execsPerSecond: number;
  readonly opensPerSecond: number;
  /** [seconds since start, RSS MiB] once a second. */
  readonly samples: readonly (readonly [number, number])[];
  readonly idleRssMiB: number | null;
  readonly firstMinuteMiB: number | null;
  readonly lastMinuteMiB: number | null;
  readonly maxMiB: number | null;
  /** Least-squares slope of RSS over the second half, MiB per minute. */
  readonly slopeMiBPerMin: number | null;
  readonly cpuPercent: number | null;
  /** CPU of the agent's child processes (the rule runner) over the soak. */
  readonly childCpuPercent: number;
  readonly events: number;
  readonly lost: number;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number | undefined): number | null => (kib === undefined ? null : kib / 1024);

function window(samples: readonly (readonly [number, number])[], from: number, to: number): number | null {
  const ys = samples.filter(([t]) => t >= from && t < to).map(([, y]) => y);
  return ys.length ? median(ys) : null;
}

export async function soak(opts: SoakOptions): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-soak-'));
  const monitors: Record<string, Record<string, unknown>> = {};
  // The default set, as an operator would run it.
  for (const m of opts.monitors) monitors[m] = { enabled: true, ...opts.agentSettings?.[m] };
  const agent = await BenchAgent.start({ dir, monitors });
  try {
    await sleep(2000);
    const idle = mib(memory(agent.pid)?.rssKiB);
    const before = totals(agent.status() ?? (await agent.nextStatus()));
    const cpu0 = cpuSeconds(agent.pid);
    const child0 = childCpuSeconds(agent.pid);
    const samples: [number, number][] = [];
    const t0 = performance.now();
    const sampler = setInterval(() => {
      const m = memory(agent.pid);
      if (m) samples.push([(performance.now() - t0) / 1000, m.rssKiB / 1024]);
    }, 1000);
    try {
      // One second of churn at a time, until the time is up.
      while (performance.now() - t0 < opts.seconds * 1000) {
        await runStorms([
          {
            cmd: join(opts.buildDir, 'exec_storm'),
            args: [String(opts.execsPerSecond), '1', `bw-bench-soak-${process.pid}`],
          },
          {
            cmd: join(opts.buildDir, 'open_storm'),
            args: [join(dir, 'soak-target'), String(opts.opensPerSecond), String(opts.opensPerSecond), '1'],
          },
        ]);
      }
    } finally {
      clearInterval(sampler);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = cpuSeconds(agent.pid);
    // A child started during the soak counts from zero.
    let childCpu = 0;
    for (const [pid, s1] of childCpuSeconds(agent.pid)) childCpu += s1 - (child0.get(pid) ?? 0);
    const after = totals(await agent.nextStatus());
    const half = samples.filter(([t]) => t >= elapsed / 2);
    const perSecond = slope(half);
    return {
      seconds: elapsed,
      execsPerSecond: opts.execsPerSecond,
      opensPerSecond: opts.opensPerSecond,
      samples,
      idleRssMiB: idle,
      firstMinuteMiB: window(samples, 0, Math.min(60, elapsed / 4)),
      lastMinuteMiB: window(samples, Math.max(elapsed - 60, (elapsed * 3) / 4), elapsed + 1),
      maxMiB: samples.length ? Math.max(...samples.map(([, y]) => y)) : null,
      slopeMiBPerMin: perSecond === null ? null : perSecond * 60,
      cpuPercent: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / elapsed) * 100 : null,
      childCpuPercent: (childCpu / elapsed) * 100,
      events: after.events - before.events,
      lost: after.kernelDrops - before.kernelDrops + after.queueDropped - before.queueDropped,
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The soak's section of the report. */
export function soakMarkdown(s: SoakResult): string {
  const f = (x: number | null, d = 1): string => (x === null ? '–' : x.toFixed(d));
  return [
    `## Churn soak (${Math.round(s.seconds)} s: ${s.execsPerSecond} execs/s + ${s.opensPerSecond} opens/s, default monitors)`,
    '',
    '| idle RSS MiB | first minute MiB | last minute MiB | max MiB | slope, 2nd half MiB/min | agent CPU % | rule runner CPU % | events | lost |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${f(s.idleRssMiB)} | ${f(s.firstMinuteMiB)} | ${f(s.lastMinuteMiB)} | ${f(s.maxMiB)} | ${f(s.slopeMiBPerMin, 2)} | ${f(s.cpuPercent, 0)} | ${f(s.childCpuPercent, 0)} | ${s.events} | ${s.lost} |`,
    '',
  ].join('\n');
}
