/**
 * The main thread's side of the store worker: hands raw batches over by
 * transfer (no per-event work or copying on the event loop), bounds what is
 * in flight, and keeps the worker's latest counters for status.
 */
import { Worker } from 'node:worker_threads';
import { AgentError } from '../../domain/agent-error.ts';
import type { RawBatchSink } from '../../families/ring-monitor.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './protocol.ts';

export interface StoreClientOptions {
  /** Bytes posted but not yet taken by the worker, beyond which batches are dropped and counted. */
  readonly maxInFlightBytes: number;
  readonly log: (line: string) => void;
}

/** The store worker's young generation (both semi-spaces), MiB. */
export const WORKER_YOUNG_GENERATION_MB = 8;

const EMPTY: WorkerStats = {
  processedBatches: 0,
  monitors: [],
  store: { rowsWritten: 0, batches: 0, queued: 0, queueDropped: 0, unwritten: 0, writeFailures: 0 },
  latencyMs: { p50: 0, p99: 0, max: 0, count: 0 },
  retention: { deletedByAge: 0, deletedBySize: 0, failures: 0 },
};

function workerUrl(): URL {
  // Built (dist/*.js) or run from source (*.ts, type stripping): the worker matches.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker-main.${ext}`, import.meta.url);
}

export class StoreClient {
  readonly #worker: Worker;
  readonly #opts: StoreClientOptions;
  #latest: WorkerStats = EMPTY;
  #inFlightBytes = 0;
  /** Sizes of posted batches the worker has not taken yet, oldest first. */
  #sizes: number[] = [];
  #sizesHead = 0;
  #dropped = 0;
  #failed: string | undefined;
  #stopped: Promise<WorkerStats> | undefined;
  #onStopped: ((s: WorkerStats) => void) | undefined;

  private constructor(worker: Worker, opts: StoreClientOptions) {
    this.#worker = worker;
    this.#opts = opts;
  }

  /** Starts the worker; resolves once its database is open and migrated. */
  static start(init: WorkerInit, opts: StoreClientOptions): Promise<StoreClient> {
    const worker = new Worker(workerUrl(), {
      workerData: init,
      // Decoded events live for one flush (25 ms): a small young generation
      // collects them as well as V8's default, which grows to 32 MiB or more.
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    const client = new StoreClient(worker, opts);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') {
          ready = true;
          resolve(client);
        } else if (m.kind === 'failed') {
          reject(new AgentError('AGENT_STORE', m.message));
        } else {
          client.#onMessage(m);
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(new AgentError('AGENT_STORE', `store worker failed: ${err.message}`));
        else client.#fail(`store worker failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (!ready)
          reject(new AgentError('AGENT_STORE', `store worker exited (${code}) before it was ready`));
        else if (!client.#onStopped && code !== 0) client.#fail(`store worker exited with code ${code}`);
        client.#onStopped?.(client.#latest);
      });
    });
  }

  #fail(message: string): void {
    this.#failed = message;
    this.#opts.log(message);
  }

  #onMessage(m: FromWorker): void {
    switch (m.kind) {
      case 'stats':
        this.#take(m.stats);
        return;
      case 'log':
        this.#opts.log(m.line);
        return;
      case 'stopped':
        this.#take(m.stats);
        this.#onStopped?.(m.stats);
        this.#onStopped = undefined;
        return;
    }
  }

  #take(s: WorkerStats): void {
    // Batches the worker has taken no longer count as in flight.
    const done = s.processedBatches - this.#latest.processedBatches;
    for (let i = 0; i < done && this.#sizesHead < this.#sizes.length; i++) {
      this.#inFlightBytes -= this.#sizes[this.#sizesHead++]!;
    }
    if (this.#sizesHead > 1024 && this.#sizesHead * 2 > this.#sizes.length) {
      this.#sizes = this.#sizes.slice(this.#sizesHead);
      this.#sizesHead = 0;
    }
    this.#latest = s;
  }

  /** The sink monitors hand raw batches to. Priority batches may use twice the in-flight bound. */
  readonly raw: RawBatchSink = (monitor, bytes, count, priority) => {
    const limit = priority ? this.#opts.maxInFlightBytes * 2 : this.#opts.maxInFlightBytes;
    if (this.#failed || this.#stopped || this.#inFlightBytes + bytes.byteLength > limit) {
      this.#dropped += count;
      return;
    }
    this.#inFlightBytes += bytes.byteLength;
    this.#sizes.push(bytes.byteLength);
    const m: ToWorker = { kind: 'batch', monitor, bytes, count, priority };
    this.#worker.postMessage(m, [bytes.buffer as ArrayBuffer]);
  };

  updateClock(bootOffsetNs: bigint): void {
    if (!this.#stopped)
      this.#worker.postMessage({ kind: 'clock', bootOffsetNs: String(bootOffsetNs) } satisfies ToWorker);
  }

  /** Latest counters from the worker, plus records dropped here because the worker fell behind. */
  get stats(): WorkerStats & { readonly inFlightDropped: number; readonly failed?: string } {
    return {
      ...this.#latest,
      inFlightDropped: this.#dropped,
      ...(this.#failed ? { failed: this.#failed } : {}),
    };
  }

  /** Lets the worker write everything it was sent, then ends it. */
  stop(): Promise<WorkerStats> {
    if (!this.#stopped) {
      this.#stopped = new Promise<WorkerStats>((resolve) => {
        this.#onStopped = resolve;
      });
      this.#worker.postMessage({ kind: 'stop' } satisfies ToWorker);
    }
    return this.#stopped;
  }
}
