/**
 * The real agent (bin/bpfwarden agent) under a benchmark: its own config,
 * database and runtime directory in a temp dir; counters from the
 * status.json it writes each second and from the line it prints on exit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../test/support/agent-process.ts';

/** The parts of <runtimeDir>/status.json the benchmark reads (tolerant of fields added later). */
export interface AgentStatus {
  readonly updatedAtMs: number;
  readonly stoppedAtMs?: number;
  readonly monitors: readonly {
    readonly name: string;
    readonly state: string;
    readonly error?: string;
    readonly events: number;
    readonly kernelDrops: number;
    readonly decodeErrors: number;
    readonly ring?: {
      readonly wakeups: number;
      /** Periodic drains that found records (wake-up batching); absent from older agents. */
      readonly timerDrains?: number;
      readonly records: number;
      readonly batches: number;
      readonly maxBatch: number;
      readonly callbackErrors: number;
      readonly handlerErrors: number;
    };
  }[];
  readonly store: {
    readonly stored: number;
    readonly queued: number;
    readonly queueDropped: number;
    readonly writeFailures: number;
    /** Kernel timestamp to committed row, when the agent exports it. */
    readonly latencyMs?: { readonly p50: number; readonly p99: number };
  };
}

export interface Totals {
  readonly events: number;
  readonly kernelDrops: number;
  readonly decodeErrors: number;
  readonly stored: number;
  readonly queued: number;
  readonly queueDropped: number;
  readonly writeFailures: number;
  readonly wakeups: number;
  readonly batches: number;
  readonly ringRecords: number;
  readonly callbackErrors: number;
}

export function totals(s: AgentStatus): Totals {
  const sum = (f: (m: AgentStatus['monitors'][number]) => number): number =>
    s.monitors.reduce((a, m) => a + f(m), 0);
  return {
    events: sum((m) => m.events),
    kernelDrops: sum((m) => m.kernelDrops),
    decodeErrors: sum((m) => m.decodeErrors),
    stored: s.store.stored,
    queued: s.store.queued,
    queueDropped: s.store.queueDropped,
    writeFailures: s.store.writeFailures,
    // A periodic drain that delivers records is a wake-up of the consumer too.
    wakeups: sum((m) => (m.ring?.wakeups ?? 0) + (m.ring?.timerDrains ?? 0)),
    batches: sum((m) => m.ring?.batches ?? 0),
    ringRecords: sum((m) => m.ring?.records ?? 0),
    callbackErrors: sum((m) => (m.ring?.callbackErrors ?? 0) + (m.ring?.handlerErrors ?? 0)),
  };
}

/** Counters from `stopped: N events captured, N stored, lost N (kernel N, queue N)`. */
export function parseStopLine(
  stderr: string,
): { events: number; stored: number; lost: number; kernel: number; queue: number } | null {
  const m = /stopped: (\d+) events captured, (\d+) stored, lost (\d+) \(kernel (\d+), queue (\d+)\)/.exec(
    stderr,
  );
  if (!m) return null;
  const [events, stored, lost, kernel, queue] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { events, stored, lost, kernel, queue };
}

export interface BenchAgentOptions {
  readonly dir: string;
  /** monitors.<name> settings; every monitor the agent knows should be listed (enabled or not). */
  readonly monitors: Record<string, Record<string, unknown>>;
  /** Keep the default retention instead of keeping every row (the ordinary-host profile). */
  readonly defaultRetention?: boolean;
}

export class BenchAgent {
  readonly database: string;
  readonly runtimeDir: string;
  readonly #agent: RunningAgent;

  private constructor(agent: RunningAgent, database: string, runtimeDir: string) {
    this.#agent = agent;
    this.database = database;
    this.runtimeDir = runtimeDir;
  }

  static async start(opts: BenchAgentOptions): Promise<BenchAgent> {
    const database = join(opts.dir, 'bench.db');
    const runtimeDir = join(opts.dir, 'run');
    const config = join(opts.dir, 'agent.yaml');
    writeFileSync(
      config,
      stringify({
        database,
        runtimeDir,
        monitors: opts.monitors,
        // Nothing deleted mid-run: every row of the workload must still be there to count.
        ...(opts.defaultRetention ? {} : { retention: { maxAge: '0', maxSizeMiB: 0 } }),
      }),
    );
    const agent = await startAgent(['--config', config], 30_000);
    const a = new BenchAgent(agent, database, runtimeDir);
    await a.nextStatus(10_000);
    return a;
  }

  /** The REST API's socket (the default place under the runtime directory). */
  get apiSocket(): string {
    return join(this.runtimeDir, 'api.sock');
  }

  get pid(): number {
    return this.#agent.child.pid ?? -1;
  }

  stderr(): string {
    return this.#agent.stderr();
  }

  status(): AgentStatus | undefined {
    try {
      return JSON.parse(readFileSync(join(this.runtimeDir, 'status.json'), 'utf8')) as AgentStatus;
    } catch {
      return undefined;
    }
  }

  /** The first status written after now (the agent writes one a second). */
  async nextStatus(timeoutMs = 5000): Promise<AgentStatus> {
    const after = this.status()?.updatedAtMs ?? 0;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = this.status();
      if (s && s.updatedAtMs > after) return s;
      if (Date.now() > until)
        throw new Error(`no status.json update within ${timeoutMs} ms:\n${this.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM; resolves with the exit and the counters of the final status and stop line. */
  async stop(): Promise<{
    code: number | null;
    final: AgentStatus | undefined;
    stopLine: ReturnType<typeof parseStopLine>;
  }> {
    const r = await this.#agent.stop('SIGTERM');
    return { code: r.code, final: this.status(), stopLine: parseStopLine(this.stderr()) };
  }
}
