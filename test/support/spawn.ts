/** Child processes for tests: spawn and wait, with their pid. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Exited {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function run(cmd: string, args: readonly string[] = []): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    const pid = child.pid;
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: pid ?? -1, code, signal }));
  });
}

export function start(cmd: string, args: readonly string[] = []): ChildProcess {
  return spawn(cmd, args, { stdio: 'ignore' });
}

export function exited(child: ChildProcess): Promise<Exited> {
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal })),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
