/**
 * The running agent's status, written to <runtimeDir>/status.json about once
 * a second (atomically: write then rename) so `bpfwarden status` can show it
 * without an API. The file is root-only.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MonitorStatus } from './monitors/monitor.ts';

export interface MonitorSnapshot extends MonitorStatus {
  readonly eventsPerSecond: number;
}

export interface StatusSnapshot {
  readonly pid: number;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
  /** Set by a clean shutdown. */
  readonly stoppedAtMs?: number;
  readonly database: string;
  readonly monitors: readonly MonitorSnapshot[];
  readonly store: {
    readonly stored: number;
    readonly queued: number;
    readonly queueDropped: number;
    /** Events never written: still queued at stop, or the database was damaged. */
    readonly unwritten?: number;
    readonly writeFailures: number;
    readonly lastError?: string;
    /** Kernel timestamp to committed row, since the agent started. */
    readonly latencyMs?: {
      readonly p50: number;
      readonly p99: number;
      readonly max: number;
      readonly count: number;
    };
  };
  readonly retention: {
    readonly deletedByAge: number;
    readonly deletedBySize: number;
    readonly failures: number;
  };
}

export function statusPath(runtimeDir: string): string {
  return join(runtimeDir, 'status.json');
}

export function writeStatus(runtimeDir: string, s: StatusSnapshot): void {
  const path = statusPath(runtimeDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readStatus(runtimeDir: string): StatusSnapshot | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(statusPath(runtimeDir), 'utf8'));
  } catch {
    return undefined;
  }
  // Valid JSON of another shape is as unreadable as a torn file.
  const o = v as Partial<StatusSnapshot> | null;
  return typeof o === 'object' && o !== null && Number.isInteger(o.pid) && Array.isArray(o.monitors)
    ? (o as StatusSnapshot)
    : undefined;
}

/** True when a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
