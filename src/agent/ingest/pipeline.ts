/**
 * Monitors -> store. Events are queued as they arrive and written in batched
 * transactions on a short timer, or sooner when a batch is full, so a row
 * lands well within a second of its event.
 */
import type { BpfEvent } from '../../families/events.ts';
import type { EventWriter } from '../../store/event-writer.ts';

export interface PipelineOptions {
  readonly flushIntervalMs: number;
  /** Flush as soon as this many events wait. */
  readonly flushAt?: number;
  /** Rows per transaction at most, so one flush never blocks the loop for long. */
  readonly maxBatch?: number;
  readonly onWriteError?: (message: string) => void;
  /** Events that were never written: still queued at stop while the store kept failing. */
  readonly onUnwritten?: (count: number, reason: string) => void;
  /** Writes succeed again after failures that were reported. */
  readonly onRecovered?: (failedWrites: number) => void;
  /** A failing store is reported at once, then at most this often (default 30 s). */
  readonly failureLogMs?: number;
  /** After a failed write, before the next try: the store may make room (checkpoint, retention). */
  readonly onFailedWrite?: () => void;
}

/** A failing store retries every flush; the log says so once, then at most this often. */
const FAILURE_LOG_MS = 30_000;

type Callbacks = 'onWriteError' | 'onUnwritten' | 'onFailedWrite' | 'onRecovered';

export class Pipeline {
  readonly #writer: EventWriter;
  readonly #opts: Required<Omit<PipelineOptions, Callbacks>> & PipelineOptions;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #received = 0;
  #lastFailures = 0;
  /** Failed writes already reported, and since when the store has been failing (undefined: it is not). */
  #loggedFailures = 0;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #failingSince: number | undefined;

  constructor(writer: EventWriter, opts: PipelineOptions) {
    this.#writer = writer;
    this.#opts = { flushAt: 4096, maxBatch: 20_000, failureLogMs: FAILURE_LOG_MS, ...opts };
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
      if (n === 0) {
        // Write failure: the batch stays queued for the next tick.
        this.#opts.onFailedWrite?.();
        break;
      }
    }
    const failures = this.#writer.stats.writeFailures;
    if (failures > this.#lastFailures) {
      this.#failingSince ??= this.#lastFailures;
      this.#lastFailures = failures;
      const now = performance.now();
      if (now - this.#lastLogAt >= this.#opts.failureLogMs) {
        const since = failures - this.#loggedFailures - 1;
        const more = since > 0 ? ` (${since} more failed writes since the last report)` : '';
        this.#opts.onWriteError?.(`${this.#writer.stats.lastError ?? 'unknown write error'}${more}`);
        this.#lastLogAt = now;
        this.#loggedFailures = failures;
      }
    } else if (total > 0 && this.#failingSince !== undefined) {
      // Writes succeed again: say so, and report the next failure at once.
      this.#opts.onRecovered?.(failures - this.#failingSince);
      this.#failingSince = undefined;
      this.#lastLogAt = Number.NEGATIVE_INFINITY;
      this.#loggedFailures = failures;
    }
    return total;
  }

  /**
   * Final flush: retries a few times so a transient error does not lose the
   * tail; what still cannot be written is counted as unwritten and reported.
   */
  stop(): number {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    for (let i = 0; i < 5 && this.#writer.stats.queued > 0; i++) this.flush();
    const lost = this.#writer.abandon();
    if (lost > 0) this.#opts.onUnwritten?.(lost, this.#writer.stats.lastError ?? 'unknown write error');
    return lost;
  }
}
