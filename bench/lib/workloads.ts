/**
 * The workloads the harness generates itself, and how each one's own events
 * are told apart in the agent's database: the exec storm by the marker in
 * its children's argv, the open storm by the paths under its own temp dir,
 * the connect storm by its listener's port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { StormRun } from './children.ts';

/** A monitor family as both consumers load it: object file, ring and drops maps. */
export interface ObjectSpec {
  /** Monitor name in the agent's config, and object name under build/bpf. */
  readonly monitor: 'process' | 'file' | 'net';
  readonly ringMap: string;
  readonly dropsMap: string;
}

export const OBJECTS: Record<ObjectSpec['monitor'], ObjectSpec> = {
  process: { monitor: 'process', ringMap: 'process_events', dropsMap: 'process_drops' },
  file: { monitor: 'file', ringMap: 'file_events', dropsMap: 'file_drops' },
  net: { monitor: 'net', ringMap: 'net_events', dropsMap: 'net_drops' },
};

/** Read-only globals the agent sets before loading an object, for the reference consumer. */
export function objectGlobals(monitor: ObjectSpec['monitor']): string[] {
  if (monitor !== 'process') return [];
  // The agent sets exit_has_group_dead where sched_process_exit carries group_dead (6.16+).
  try {
    const fmt = readFileSync('/sys/kernel/tracing/events/sched/sched_process_exit/format', 'utf8');
    return fmt.includes('group_dead') ? ['exit_has_group_dead=1'] : [];
  } catch {
    return [];
  }
}

export type StormKind = 'exec' | 'open' | 'connect';

export interface StormSpec {
  readonly kind: StormKind;
  readonly cmd: string;
  readonly args: readonly string[];
}

/** Sizes of one workload run. */
export interface ExecSize {
  readonly count: number;
  readonly workers: number;
}
export interface OpenSize {
  readonly count: number;
  readonly workers: number;
  /** Opens per second in total; 0: as fast as possible. */
  readonly rate: number;
}
export interface ConnectSize {
  readonly count: number;
  readonly workers: number;
  readonly rate: number;
}

export interface WorkloadDef {
  readonly name: string;
  readonly description: string;
  readonly objects: readonly ObjectSpec['monitor'][];
  readonly exec?: ExecSize;
  readonly open?: OpenSize;
  readonly connect?: ConnectSize;
}

/** The event type the API probe filters on while this workload runs. */
export function apiEventType(w: WorkloadDef): string {
  if (w.open) return 'open';
  if (w.exec) return 'exec';
  return 'tcp_connect';
}

/** Events each operation of a storm makes the monitors report. */
export const EVENTS_PER_OP: Record<StormKind, number> = {
  // fork (in the worker), exec and exit of each child.
  exec: 3,
  // one open per open(2); close(2) is not reported.
  open: 1,
  // connect() attempt, tcp_connect, tcp_accept, and tcp_close of both ends.
  connect: 5,
};

export function stormSpecs(w: WorkloadDef, buildDir: string, tmp: string, marker: string): StormSpec[] {
  const specs: StormSpec[] = [];
  if (w.exec)
    specs.push({
      kind: 'exec',
      cmd: join(buildDir, 'exec_storm'),
      args: [String(w.exec.count), String(w.exec.workers), marker],
    });
  if (w.open)
    specs.push({
      kind: 'open',
      cmd: join(buildDir, 'open_storm'),
      args: [join(tmp, 'open-target'), String(w.open.count), String(w.open.rate), String(w.open.workers)],
    });
  if (w.connect)
    specs.push({
      kind: 'connect',
      cmd: join(buildDir, 'connect_storm'),
      args: [String(w.connect.count), String(w.connect.rate), String(w.connect.workers)],
    });
  return specs;
}

/** Events the storm's operations should produce. */
export function expectedEvents(spec: StormSpec, run: StormRun): number {
  const o = run.output;
  switch (spec.kind) {
    case 'exec':
      return EVENTS_PER_OP.exec * (o.spawned ?? 0);
    case 'open':
      // Each worker's file is created first with one open(O_CREAT) of its own.
      return EVENTS_PER_OP.open * (o.ops ?? 0) + Number(spec.args[3] ?? 1);
    case 'connect':
      return EVENTS_PER_OP.connect * (o.ops ?? 0);
  }
}

function count(db: DatabaseSync, sql: string, ...params: (string | number)[]): number {
  try {
    const row = db.prepare(sql).get(...params) as { n: number | bigint } | undefined;
    return Number(row?.n ?? 0);
  } catch {
    return 0; // table absent: the monitor was not running
  }
}

/** Rows the agent stored for this storm run's own operations. */
export function storedEvents(db: DatabaseSync, spec: StormSpec, run: StormRun, marker: string): number {
  switch (spec.kind) {
    case 'exec':
      // The workers are the parents of the marked children: their forks, and the children's exec and exit.
      return count(
        db,
        `WITH workers AS (SELECT DISTINCT ppid FROM process_events WHERE type = 'exec' AND argv = ?)
         SELECT count(*) AS n FROM process_events
         WHERE (type IN ('exec', 'exit') AND ppid IN workers) OR (type = 'fork' AND pid IN workers)`,
        JSON.stringify(['true', marker]),
      );
    case 'open': {
      const dir = `${spec.args[0]!.slice(0, spec.args[0]!.lastIndexOf('/'))}/`;
      return count(
        db,
        `SELECT count(*) AS n FROM file_events
         WHERE pid = ? AND type = 'open' AND substr(path, 1, ?) = ?`,
        run.pid,
        dir.length,
        dir,
      );
    }
    case 'connect': {
      const port = run.output.port ?? -1;
      return count(
        db,
        `SELECT count(*) AS n FROM net_events
         WHERE (remote_port = ? AND remote_addr = '127.0.0.1') OR (local_port = ? AND local_addr = '127.0.0.1')`,
        port,
        port,
      );
    }
  }
}

/** Why a workload cannot run here, or undefined when it can. */
export function unavailable(
  w: WorkloadDef,
  bpfDir: string,
  agentMonitors: readonly string[],
): string | undefined {
  for (const m of w.objects) {
    if (!existsSync(join(bpfDir, `${m}.bpf.o`))) return `${m}.bpf.o is not built`;
    if (!agentMonitors.includes(m)) return `the built agent (dist/) has no ${m} monitor`;
  }
  return undefined;
}
