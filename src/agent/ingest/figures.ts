/**
 * The store's figures, assembled once: read from a StoreCore (in the agent's
 * thread, or in the worker that sends them over), and turned into the
 * StoreCounters that status, the API and metrics show.
 */
import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { WorkerStats } from './protocol.ts';
import type { StoreCore } from './store-core.ts';

export type StoreFigures = Omit<WorkerStats, 'processedBatches' | 'monitors'>;

const ms = (us: number): number => Math.round(us / 100) / 10;

export function storeFigures(core: StoreCore): StoreFigures {
  const w = core.writer;
  const s = w.stats;
  const h = w.latencyUs;
  const r = core.retention?.stats;
  return {
    store: {
      rowsWritten: s.rowsWritten,
      batches: s.batches,
      queued: s.queued,
      queueDropped: s.queueDropped,
      unwritten: s.unwritten,
      writeFailures: s.writeFailures,
      rowsRejected: s.rowsRejected,
      rowsByType: w.rowsByType(),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    },
    latencyMs: { p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max), count: h.count },
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

/** What the agent shows; `extra` is what only the worker's client knows. */
export function storeCounters(
  f: StoreFigures,
  extra: {
    readonly inFlightDropped?: number;
    readonly failed?: string | undefined;
    readonly monitors?: WorkerStats['monitors'];
  } = {},
): StoreCounters {
  const s = f.store;
  const lastError = extra.failed ?? s.lastError;
  return {
    stored: s.rowsWritten,
    queued: s.queued,
    queueDropped: s.queueDropped + (extra.inFlightDropped ?? 0),
    unwritten: s.unwritten,
    writeFailures: s.writeFailures,
    ...(lastError ? { lastError } : {}),
    latencyMs: f.latencyMs,
    ...(s.rowsByType ? { rowsByType: s.rowsByType } : {}),
    ...(s.rowsRejected !== undefined ? { rowsRejected: s.rowsRejected } : {}),
    ...(f.histograms ? { histograms: f.histograms } : {}),
    retention: f.retention,
    ...(extra.monitors ? { monitors: new Map(extra.monitors) } : {}),
  };
}
