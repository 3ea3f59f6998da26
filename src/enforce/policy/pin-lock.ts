/**
 * A cross-process lock beside a component's pins: the CLI, a second CLI and
 * the agent may all change the same kernel tables, and a rebuild of the
 * inactive buffer must not interleave with another. mkdir is atomic (also
 * in bpffs); a lock older than STALE_MS belongs to a process that died
 * mid-change and is taken over.
 */
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { PolicyError } from './errors.ts';

const STALE_MS = 30_000;
const WAIT_MS = 10_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function withPinLock<T>(path: string, fn: () => T): T {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(path, { mode: 0o700 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_MS) {
        rmdirSync(path, { maxRetries: 0 });
        continue;
      }
      if (Date.now() > deadline) {
        throw new PolicyError(
          'POLICY_LOCKED',
          `${path} is held by another bpfwarden process changing the policy; try again (or remove it if no bpfwarden runs)`,
        );
      }
      Atomics.wait(sleeper, 0, 0, 20); // a synchronous sleep: apply() is synchronous
    }
  }
  try {
    return fn();
  } finally {
    try {
      rmdirSync(path);
    } catch {
      // Already taken over as stale: nothing to release.
    }
  }
}
