/**
 * Runs batches of rules off the agent's main thread with a time bound per
 * rule. Where the SQLite deadline extension is built, on a worker thread
 * (runner-thread.ts): SQLite itself ends an overrunning statement and the
 * thread lives on. Otherwise in a child process (runner-child.ts), killed
 * (SIGKILL) on overrun, the next batch starting a fresh one. Either way an
 * overrun is reported as the rule stopped by its time bound.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deadlineExtension } from '../../store/deadline.ts';
import { runawayMessage } from './runner-core.ts';
import type { FromChild, RunRequest, RunResult, ToChild } from './runner-protocol.ts';

export interface RuleRunnerOptions {
  readonly timeoutMs: number;
  /** How long a new runner may take to open the database. */
  readonly startTimeoutMs?: number;
  /** 'thread' needs the deadline extension; default: a thread when it is built, else a process. */
  readonly mode?: 'thread' | 'process';
}

/** A bounded runner answers within its bound; past this margin it is stopped from outside. */
const BOUNDED_GRACE_MS = 1000;

const entry = (name: string): string =>
  fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, import.meta.url));

/** What the runner talks to: a worker thread or a child process. */
interface Host {
  readonly pid: number | undefined;
  send(m: ToChild): void;
  onMessage(f: (m: FromChild) => void): () => void;
  onExit(f: (why: string) => void): () => void;
  kill(): void;
}

function threadHost(dbPath: string, timeoutMs: number): Host {
  const w = new Worker(entry('runner-thread'), {
    workerData: { dbPath, timeoutMs },
    // Rule results live for one pass: a small young generation is enough.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  return {
    pid: undefined,
    send: (m) => w.postMessage(m),
    onMessage(f) {
      w.on('message', f);
      return () => w.off('message', f);
    },
    onExit(f) {
      const g = (code: number): void => f(`exit code ${code}`);
      const e = (err: Error): void => f(err.message);
      w.on('exit', g);
      w.on('error', e);
      return () => {
        w.off('exit', g);
        w.off('error', e);
      };
    },
    kill: () => void w.terminate(),
  };
}

function processHost(dbPath: string, timeoutMs: number): Host {
  const child: ChildProcess = fork(entry('runner-child'), [dbPath, String(process.pid), String(timeoutMs)], {
    execPath: process.execPath,
    execArgv: ['--disable-warning=ExperimentalWarning', '--max-semi-space-size=2'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    pid: child.pid,
    send: (m) => child.send(m),
    onMessage(f) {
      child.on('message', f);
      return () => child.off('message', f);
    },
    onExit(f) {
      const g = (code: number | null, signal: string | null): void => f(String(code ?? signal));
      child.on('exit', g);
      return () => child.off('exit', g);
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

export class RuleRunner {
  readonly #dbPath: string;
  readonly #opts: RuleRunnerOptions;
  readonly #mode: 'thread' | 'process';
  #host: Host | undefined;
  #ready: Promise<void> | undefined;
  /** Whether the running host bounds each run itself. */
  #bounded = false;
  #busy = false;
  /** Runners stopped from outside for overrunning, since start. */
  killed = 0;

  constructor(dbPath: string, opts: RuleRunnerOptions) {
    this.#dbPath = dbPath;
    this.#opts = opts;
    this.#mode = opts.mode ?? (deadlineExtension() ? 'thread' : 'process');
  }

  /** Where rules run: a thread of this process, or a child process. */
  get mode(): 'thread' | 'process' {
    return this.#mode;
  }

  /** The child's pid while rules run in a child process. */
  get pid(): number | undefined {
    return this.#host?.pid;
  }

  #start(): Promise<void> {
    const host = (this.#mode === 'thread' ? threadHost : processHost)(this.#dbPath, this.#opts.timeoutMs);
    this.#host = host;
    host.onExit(() => {
      if (this.#host === host) {
        this.#host = undefined;
        this.#ready = undefined;
      }
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        host.kill();
        reject(new Error('rule runner did not start in time'));
      }, this.#opts.startTimeoutMs ?? 10_000);
      const offExit = host.onExit((why) => {
        clearTimeout(timer);
        offMessage();
        reject(new Error(`rule runner exited at start (${why})`));
      });
      const offMessage = host.onMessage((m) => {
        if (m.type !== 'ready' && m.type !== 'fatal') return;
        clearTimeout(timer);
        offMessage();
        offExit();
        if (m.type === 'ready') {
          this.#bounded = m.bounded;
          resolve();
        } else {
          host.kill();
          reject(new Error(`rule runner cannot start: ${m.error}`));
        }
      });
    });
  }

  /** Runs the batch in order; one result per request. Not re-entrant. */
  async run(batch: readonly RunRequest[]): Promise<RunResult[]> {
    if (this.#busy) throw new Error('rule runner is busy');
    if (batch.length === 0) return [];
    this.#busy = true;
    try {
      if (!this.#host || !this.#ready) this.#ready = this.#start();
      try {
        await this.#ready;
      } catch (err) {
        this.#ready = undefined;
        this.#host?.kill();
        return batch.map((r) => ({
          ruleId: r.ruleId,
          ok: false,
          error: (err as Error).message,
          skipped: true,
        }));
      }
      const host = this.#host;
      // close() while the runner was starting (the agent stopping): nothing runs.
      if (!host)
        return batch.map((r) => ({
          ruleId: r.ruleId,
          ok: false,
          error: 'the rule runner was closed',
          skipped: true,
        }));
      return await this.#exchange(host, batch);
    } finally {
      this.#busy = false;
    }
  }

  #exchange(host: Host, batch: readonly RunRequest[]): Promise<RunResult[]> {
    const results: RunResult[] = [];
    // A bounded runner ends an overrun itself; the timer is then only a last resort.
    const limitMs = this.#opts.timeoutMs + (this.#bounded ? BOUNDED_GRACE_MS : 0);
    return new Promise<RunResult[]>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (failure?: { error: string; timedOut: boolean }): void => {
        clearTimeout(timer);
        offMessage();
        offExit();
        if (failure) {
          const current = batch[results.length];
          if (current) results.push({ ruleId: current.ruleId, ok: false, ...failure });
          for (const r of batch.slice(results.length)) {
            results.push({
              ruleId: r.ruleId,
              ok: false,
              error: 'not run: the runner was restarted',
              skipped: true,
            });
          }
        }
        resolve(results);
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.killed++;
          host.kill();
          if (this.#host === host) {
            this.#host = undefined;
            this.#ready = undefined;
          }
          finish({ error: runawayMessage(this.#opts.timeoutMs), timedOut: true });
        }, limitMs);
      };
      const offMessage = host.onMessage((m) => {
        if (m.type === 'result') {
          results.push(m.result);
          arm();
        } else if (m.type === 'done') finish();
      });
      const offExit = host.onExit((why) =>
        finish({ error: `rule runner exited during the run (${why})`, timedOut: false }),
      );
      arm();
      host.send({ type: 'run', batch });
    });
  }

  close(): void {
    this.#host?.kill();
    this.#host = undefined;
    this.#ready = undefined;
  }
}
