/**
 * When has the agent caught up with a workload? After the storms end, a
 * sentinel operation per monitor (one tiny generator process) goes through
 * the same ring buffer; records leave a ring in order, and the store writes
 * in order, so once the sentinel's row is committed everything the workload
 * produced before it has been stored or counted as lost. A sentinel is sent
 * again each second in case the ring was still full and dropped it.
 */

import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { runStorms } from './children.ts';
import type { ObjectSpec } from './workloads.ts';

const TABLE: Record<ObjectSpec['monitor'], string> = {
  process: 'process_events',
  file: 'file_events',
  net: 'net_events',
};

/** One generator run that makes the monitor report one event carrying the generator's own pid. */
function sentinelCommand(monitor: ObjectSpec['monitor'], buildDir: string, tmp: string, n: number) {
  switch (monitor) {
    case 'process':
      // Its own exec (pid = the generator) is the event looked for.
      return { cmd: join(buildDir, 'exec_storm'), args: ['1', '1', `sentinel-${n}`] };
    case 'file':
      return { cmd: join(buildDir, 'open_storm'), args: [join(tmp, `sentinel-${n}`), '1'] };
    case 'net':
      return { cmd: join(buildDir, 'connect_storm'), args: ['1'] };
  }
}

function seen(db: DatabaseSync, monitor: ObjectSpec['monitor'], pids: readonly number[]): boolean {
  if (pids.length === 0) return false;
  try {
    const row = db
      .prepare(`SELECT 1 AS x FROM ${TABLE[monitor]} WHERE pid IN (${pids.map(() => '?').join(',')}) LIMIT 1`)
      .get(...pids);
    return row !== undefined;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends sentinels through each monitor and resolves when every monitor's
 * sentinel is in the database (caughtUp), or at the timeout.
 */
export async function waitForSentinels(
  db: DatabaseSync,
  monitors: readonly ObjectSpec['monitor'][],
  buildDir: string,
  tmp: string,
  timeoutMs: number,
): Promise<{ caughtUp: boolean; atMs: number }> {
  const until = Date.now() + timeoutMs;
  const pids = new Map(monitors.map((m) => [m, [] as number[]]));
  let n = 0;
  let lastSent = 0;
  for (;;) {
    const pending = monitors.filter((m) => !seen(db, m, pids.get(m)!));
    const now = Date.now();
    if (pending.length === 0) return { caughtUp: true, atMs: now };
    if (now > until) return { caughtUp: false, atMs: now };
    if (now - lastSent >= 1000) {
      lastSent = now;
      n++;
      const r = await runStorms(pending.map((m) => sentinelCommand(m, buildDir, tmp, n)));
      r.runs.forEach((run, i) => {
        pids.get(pending[i]!)!.push(run.pid);
      });
    }
    await sleep(50);
  }
}
