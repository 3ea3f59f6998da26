/**
 * Runs batches of rules in a child process (runner-child.ts) with a time
 * bound per rule. On overrun the child is killed (SIGKILL) and the rule is
 * reported as stopped; the next batch starts a fresh child.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, RunRequest, RunResult } from './runner-protocol.ts';

export interface RuleRunnerOptions {
  readonly timeoutMs: number;
  /** How long a new child may take to open the database. */
  readonly startTimeoutMs?: number;
}

const CHILD = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './runner-child.ts' : './runner-child.js', import.meta.url),
);

export class RuleRunner {
  readonly #dbPath: string;
  readonly #opts: RuleRunnerOptions;
  #child: ChildProcess | undefined;
  #ready: Promise<void> | undefined;
  #busy = false;
  /** Children killed for overrunning, since start. */
  killed = 0;

  constructor(dbPath: string, opts: RuleRunnerOptions) {
    this.#dbPath = dbPath;
    this.#opts = opts;
  }

  /** The running child's pid, if one is running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #spawn(): Promise<void> {
    const child = fork(CHILD, [this.#dbPath, String(process.pid)], {
      execPath: process.execPath,
      // Rule results live for one pass: a small young generation is enough.
      execArgv: ['--disable-warning=ExperimentalWarning', '--max-semi-space-size=2'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    child.on('exit', () => {
      if (this.#child === child) {
        this.#child = undefined;
        this.#ready = undefined;
      }
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('rule runner did not start in time'));
      }, this.#opts.startTimeoutMs ?? 10_000);
      const onMessage = (m: FromChild): void => {
        if (m.type === 'ready' || m.type === 'fatal') {
          clearTimeout(timer);
          child.off('message', onMessage);
          if (m.type === 'ready') resolve();
          else reject(new Error(`rule runner cannot start: ${m.error}`));
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`rule runner exited at start (${code ?? signal})`));
      });
    });
  }

  /** Runs the batch in order; one result per request. Not re-entrant. */
  async run(batch: readonly RunRequest[]): Promise<RunResult[]> {
    if (this.#busy) throw new Error('rule runner is busy');
    if (batch.length === 0) return [];
    this.#busy = true;
    try {
      if (!this.#child || !this.#ready) this.#ready = this.#spawn();
      try {
        await this.#ready;
      } catch (err) {
        this.#ready = undefined;
        this.#child?.kill('SIGKILL');
        return batch.map((r) => ({
          ruleId: r.ruleId,
          ok: false,
          error: (err as Error).message,
          skipped: true,
        }));
      }
      const child = this.#child;
      // close() while the child was starting (the agent stopping): nothing runs.
      if (!child)
        return batch.map((r) => ({
          ruleId: r.ruleId,
          ok: false,
          error: 'the rule runner was closed',
          skipped: true,
        }));
      return await this.#exchange(child, batch);
    } finally {
      this.#busy = false;
    }
  }

  #exchange(child: ChildProcess, batch: readonly RunRequest[]): Promise<RunResult[]> {
    const results: RunResult[] = [];
    return new Promise<RunResult[]>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (failure?: { error: string; timedOut: boolean }): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
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
          child.kill('SIGKILL');
          this.#child = undefined;
          this.#ready = undefined;
          finish({
            error: `runaway rule: stopped after ${this.#opts.timeoutMs} ms (the time bound for one run)`,
            timedOut: true,
          });
        }, this.#opts.timeoutMs);
      };
      const onMessage = (m: FromChild): void => {
        if (m.type === 'result') {
          results.push(m.result);
          arm();
        } else if (m.type === 'done') finish();
      };
      const onExit = (code: number | null, signal: string | null): void => {
        finish({ error: `rule runner exited during the run (${code ?? signal})`, timedOut: false });
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      arm();
      child.send({ type: 'run', batch });
    });
  }

  close(): void {
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
    this.#ready = undefined;
  }
}
