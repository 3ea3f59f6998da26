/** Child processes of the harness: workload generators and reference consumers. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface StormRun {
  readonly pid: number;
  /** The generator's JSON line. */
  readonly output: Record<string, number>;
}

export interface StormsResult {
  readonly runs: StormRun[];
  /** From the first spawn to the last exit, seconds. */
  readonly wallSeconds: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

/** Parses the last JSON object line of a generator's stdout. */
export function lastJsonLine(stdout: string): Record<string, number> {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in output: ${stdout.slice(0, 200)}`);
  const v: unknown = JSON.parse(line);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not a JSON object: ${line}`);
  return v as Record<string, number>;
}

function runOne(cmd: string, args: readonly string[]): Promise<StormRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      try {
        const output = lastJsonLine(out);
        if (code !== 0 && !(typeof output.failed === 'number' && output.failed > 0)) {
          throw new Error(`exited ${code ?? signal}`);
        }
        resolve({ pid: child.pid ?? -1, output });
      } catch (e) {
        reject(new Error(`${cmd} ${args.join(' ')}: ${(e as Error).message}; stderr: ${err.trim()}`));
      }
    });
  });
}

export interface StormSpecLike {
  readonly cmd: string;
  readonly args: readonly string[];
}

/** Runs the generators concurrently and waits for all of them. */
export async function runStorms(specs: readonly StormSpecLike[]): Promise<StormsResult> {
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const runs = await Promise.all(specs.map((s) => runOne(s.cmd, s.args)));
  const wallSeconds = (performance.now() - t0) / 1000;
  return { runs, wallSeconds, startedAtMs, endedAtMs: Date.now() };
}

export interface RefResult {
  readonly records: number;
  readonly bytes: number;
  readonly drops: number;
}

export interface RunningRef {
  readonly pid: number;
  /** SIGTERM, then the consumer's final counts. */
  stop(): Promise<RefResult>;
}

/** Starts build/ref_consumer and resolves once it printed "ready" (programs attached). */
export function startRef(bin: string, args: readonly string[], timeoutMs = 15_000): Promise<RunningRef> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ref_consumer not ready after ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (/^ready$/m.test(err)) {
        clearTimeout(timer);
        resolve({
          pid: child.pid ?? -1,
          stop: async () => {
            child.kill('SIGTERM');
            const code = await exited;
            if (code !== 0) throw new Error(`ref_consumer exited ${code}: ${err.trim()}`);
            const r = lastJsonLine(out);
            return { records: r.records ?? 0, bytes: r.bytes ?? 0, drops: r.drops ?? 0 };
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ref_consumer exited ${code} before ready: ${err.trim()}`));
    });
  });
}
