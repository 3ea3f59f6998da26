/**
 * Monitors -> store. Events are queued as they arrive and written in batched
 * transactions on a short timer, or sooner when a batch is full, so a row
 * lands well within a second of its event.
 */
import type { BpfEvent } from '../domain/events.ts';
import type { EventWriter } from '../store/event-writer.ts';

export interface PipelineOptions {
  readonly flushIntervalMs: number;
  /** Flush as soon as this many events wait. */
  readonly flushAt?: number;
  /** Rows per transaction at most, so one flush never blocks the loop for long. */
  readonly maxBatch?: number;
  readonly onWriteError?: (message: string) => void;
}

export class Pipeline {
  readonly #writer: EventWriter;
  readonly #opts: Required<Omit<PipelineOptions, 'onWriteError'>> & PipelineOptions;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #received = 0;
  #lastFailures = 0;

  constructor(writer: EventWriter, opts: PipelineOptions) {
    this.#writer = writer;
    this.#opts = { flushAt: 4096, maxBatch: 20_000, ...opts };
  }

  get received(): number {
    return this.#received;
  }

  /** The sink monitors push into; priority monitors (process) may use the queue's reserve. */
  readonly sink = (events: BpfEvent[], priority = false): void => {
    this.#received += events.length;
    this.#writer.enqueue(events, priority);
    if (this.#writer.stats.queued >= this.#opts.flushAt && !this.#immediate) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.flush();
      });
    }
  };

  start(): void {
    this.#timer = setInterval(() => this.flush(), this.#opts.flushIntervalMs);
  }

  /** Writes what is queued, in transactions of at most maxBatch rows. */
  flush(): number {
    let total = 0;
    while (this.#writer.stats.queued > 0) {
      const n = this.#writer.flush(this.#opts.maxBatch);
      total += n;
      if (n === 0) break; // write failure: the batch stays queued for the next tick
    }
    const failures = this.#writer.stats.writeFailures;
    if (failures > this.#lastFailures) {
      this.#lastFailures = failures;
      this.#opts.onWriteError?.(this.#writer.stats.lastError ?? 'unknown write error');
    }
    return total;
  }

  /** Final flush: retries a few times so a transient error does not lose the tail. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    for (let i = 0; i < 5 && this.#writer.stats.queued > 0; i++) this.flush();
  }
}
