/** The store in the agent's own thread: simplest, for small hosts and tests. */

import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { Config } from '../config.ts';
import type { StoreBackend } from './backend.ts';
import { StoreCore } from './store-core.ts';

const ms = (us: number): number => Math.round(us / 100) / 10;

export class InProcessStore implements StoreBackend {
  readonly #core: StoreCore;

  constructor(config: Config, log: (line: string) => void) {
    this.#core = new StoreCore(config, log);
    this.#core.start();
  }

  get sink(): StoreBackend['sink'] {
    return this.#core.pipeline.sink;
  }

  counters(): StoreCounters {
    const w = this.#core.writer;
    const s = w.stats;
    const h = w.latencyUs;
    const r = this.#core.retention?.stats;
    return {
      stored: s.rowsWritten,
      queued: s.queued,
      queueDropped: s.queueDropped,
      unwritten: s.unwritten,
      writeFailures: s.writeFailures,
      ...(s.lastError ? { lastError: s.lastError } : {}),
      latencyMs: { p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max), count: h.count },
      rowsByType: w.rowsByType(),
      rowsRejected: s.rowsRejected,
      histograms: {
        latencyUs: h.snapshot(),
        batchRows: w.batchRows.snapshot(),
        commitUs: w.commitUs.snapshot(),
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
    this.#core.stop();
    return Promise.resolve();
  }
}
