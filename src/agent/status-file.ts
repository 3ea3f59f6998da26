/**
 * The running agent's status, written to <runtimeDir>/status.json about once
 * a second (atomically: write then rename) so `bpfwarden status` can show it
 * without an API. The file is root-only.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusSnapshot } from '../domain/contracts/status.ts';

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
