/** Runs the real `bpfwarden agent` (bin/bpfwarden) as a child process. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/host/paths.ts';

export const BIN = join(projectRoot(), 'bin', 'bpfwarden');

/** Tests never read the host's /etc/bpfwarden or ~/.config/bpfwarden (an empty list of config directories). */
export function testEnv(): NodeJS.ProcessEnv {
  return { ...process.env, BPFWARDEN_CONFIG_DIRS: process.env.BPFWARDEN_CONFIG_DIRS ?? '' };
}

export interface RunningAgent {
  readonly child: ChildProcess;
  /** Everything the agent wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal and resolves with the exit code/signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startAgent(
  args: readonly string[],
  timeoutMs = 15_000,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningAgent> {
  const child = spawn(BIN, ['agent', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...testEnv(), ...env },
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    err += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const agent: RunningAgent = {
    child,
    stderr: () => err,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent not ready after ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    const onData = (): void => {
      if (err.includes('agent ready')) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(agent);
      }
    };
    child.stderr?.on('data', onData);
    void exit.then((r) => {
      clearTimeout(timer);
      reject(new Error(`agent exited before ready (${r.code ?? r.signal}); stderr:\n${err}`));
    });
  });
}

/** Runs a bpfwarden CLI command synchronously. */
export function cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: testEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
