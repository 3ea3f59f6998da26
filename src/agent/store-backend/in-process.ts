/** The store in the agent's own thread: simplest, for small hosts and tests. */
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../store/database.ts';
import { EventWriter } from '../../store/event-writer.ts';
import type { Config } from '../config.ts';
import { Pipeline } from '../pipeline.ts';
import { scheduleRetention } from '../retention-task.ts';
import type { StoreBackend, StoreCounters } from './backend.ts';

const ms = (us: number): number => Math.round(us / 100) / 10;

export class InProcessStore implements StoreBackend {
  readonly #db: DatabaseSync;
  readonly #writer: EventWriter;
  readonly #pipeline: Pipeline;
  readonly #retention: ReturnType<typeof scheduleRetention>;
  #stopped = false;

  constructor(config: Config, log: (line: string) => void) {
    this.#db = openDatabase(config.database);
    this.#writer = new EventWriter(this.#db, { maxQueue: config.store.maxQueue });
    this.#pipeline = new Pipeline(this.#writer, {
      flushIntervalMs: config.store.flushIntervalMs,
      onWriteError: (msg) => log(`store write failed (will retry): ${msg}`),
    });
    this.#pipeline.start();
    this.#retention = scheduleRetention(this.#db, config.retention, () => this.#stopped);
  }

  get sink(): StoreBackend['sink'] {
    return this.#pipeline.sink;
  }

  counters(): StoreCounters {
    const s = this.#writer.stats;
    const h = this.#writer.latencyUs;
    const r = this.#retention?.retention.stats;
    return {
      stored: s.rowsWritten,
      queued: s.queued,
      queueDropped: s.queueDropped,
      writeFailures: s.writeFailures,
      ...(s.lastError ? { lastError: s.lastError } : {}),
      latencyMs: { p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max), count: h.count },
      rowsByType: this.#writer.rowsByType(),
      rowsRejected: s.rowsRejected,
      histograms: {
        latencyUs: h.snapshot(),
        batchRows: this.#writer.batchRows.snapshot(),
        commitUs: this.#writer.commitUs.snapshot(),
      },
      retention: {
        deletedByAge: r?.deletedByAge ?? 0,
        deletedBySize: r?.deletedBySize ?? 0,
        failures: r?.failures ?? 0,
      },
    };
  }

  updateClock(): void {
    // Monitors decode with their own clock in this mode.
  }

  stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      if (this.#retention) clearInterval(this.#retention.timer);
      this.#pipeline.stop();
      this.#db.close();
    }
    return Promise.resolve();
  }
}
