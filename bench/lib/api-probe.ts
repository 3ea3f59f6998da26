/**
 * A REST client on the agent's Unix socket asking for events at a steady
 * pace while a workload runs: the API's latency under load, as an operator's
 * `bpfwarden events` would see it. Alternates the newest events with a
 * filtered listing (by type), 100 rows each. One request before the
 * workload starts the agent's query worker (started on the first query, to
 * keep the idle agent smaller); its time is reported apart as coldMs.
 */
import { Agent, request } from 'undici';
import { percentile } from './stats.ts';

export interface ApiFigures {
  /** The warm-up request before the workload, which starts the query worker. */
  readonly coldMs: number | null;
  readonly requests: number;
  readonly failures: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export class ApiProbe {
  readonly #dispatcher: Agent;
  readonly #paths: readonly string[];
  readonly #intervalMs: number;
  readonly #latencies: number[] = [];
  #failures = 0;
  #stopped = false;
  #coldMs: number | null = null;
  #loop: Promise<void> = Promise.resolve();

  private constructor(socket: string, paths: readonly string[], requestsPerSecond: number) {
    this.#dispatcher = new Agent({ connect: { socketPath: socket } });
    this.#paths = paths;
    this.#intervalMs = 1000 / requestsPerSecond;
  }

  /** Warms up, then starts asking; `eventType` picks the filtered listing (e.g. open, exec). */
  static start(socket: string, eventType: string, requestsPerSecond = 10): Promise<ApiProbe> {
    return ApiProbe.startPaths(
      socket,
      ['/api/v1/events?limit=100', `/api/v1/events?type=${encodeURIComponent(eventType)}&limit=100`],
      requestsPerSecond,
    );
  }

  /** The same with paths of the caller's (asked in turn); the warm-up asks the first. */
  static async startPaths(
    socket: string,
    paths: readonly string[],
    requestsPerSecond: number,
  ): Promise<ApiProbe> {
    const p = new ApiProbe(socket, paths, requestsPerSecond);
    p.#coldMs = await p.#get(p.#paths[0]!);
    p.#loop = p.#run();
    return p;
  }

  /** One request: its latency in ms, or null when it failed. */
  async #get(path: string): Promise<number | null> {
    const start = performance.now();
    try {
      const r = await request(`http://agent${path}`, { dispatcher: this.#dispatcher });
      await r.body.dump();
      return r.statusCode === 200 ? performance.now() - start : null;
    } catch {
      return null;
    }
  }

  async #run(): Promise<void> {
    const t0 = performance.now();
    for (let i = 0; !this.#stopped; i++) {
      const ms = await this.#get(this.#paths[i % this.#paths.length]!);
      if (ms === null) this.#failures++;
      else this.#latencies.push(ms);
      // A steady pace: a slow answer delays the next request, it does not pile them up.
      const next = t0 + (i + 1) * this.#intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async stop(): Promise<ApiFigures> {
    this.#stopped = true;
    await this.#loop;
    await this.#dispatcher.close();
    const s = this.#latencies;
    return {
      coldMs: this.#coldMs,
      requests: s.length + this.#failures,
      failures: this.#failures,
      p50Ms: s.length ? percentile(s, 50) : null,
      p99Ms: s.length ? percentile(s, 99) : null,
      maxMs: s.length ? Math.max(...s) : null,
    };
  }
}
