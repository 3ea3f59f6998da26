/** Where the agent's events go: the store, in this thread or in a worker. */
import type { HistogramSnapshot } from '../../domain/histogram.ts';
import type { EventSink } from '../monitors/monitor.ts';
import type { RawBatchSink } from '../monitors/ring-monitor.ts';

/** Kernel timestamp to committed row, milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export interface RetentionCounts {
  readonly deletedByAge: number;
  readonly deletedBySize: number;
  readonly failures: number;
}

/** The store's distributions since start, for metrics. */
export interface StoreHistograms {
  /** Kernel timestamp to committed row, microseconds, per event. */
  readonly latencyUs: HistogramSnapshot;
  /** Rows per committed transaction. */
  readonly batchRows: HistogramSnapshot;
  /** Duration of each committed transaction, microseconds. */
  readonly commitUs: HistogramSnapshot;
}

export interface StoreCounters {
  readonly stored: number;
  readonly queued: number;
  /** Events lost in userspace: the store queue was full, or the worker fell behind. */
  readonly queueDropped: number;
  /** Events never written: still queued at stop (or the database was damaged) while writes kept failing. */
  readonly unwritten: number;
  readonly writeFailures: number;
  readonly lastError?: string;
  readonly latencyMs: LatencySummary;
  readonly retention: RetentionCounts;
  /** Rows committed per event type. */
  readonly rowsByType?: Readonly<Record<string, number>>;
  /** Events refused by SQLite one by one (bad values), skipped. */
  readonly rowsRejected?: number;
  readonly histograms?: StoreHistograms;
  /** Decoded events and decode errors per monitor, when decoding happens in the store. */
  readonly monitors?: ReadonlyMap<string, { readonly events: number; readonly decodeErrors: number }>;
}

export interface StoreBackend {
  /** For monitors that decode themselves. */
  readonly sink: EventSink;
  /** For monitors that hand raw batches over, when the store decodes. */
  readonly raw?: RawBatchSink;
  counters(): StoreCounters;
  updateClock(bootOffsetNs: bigint): void;
  /** Writes what it holds and closes. */
  stop(): Promise<void>;
}
