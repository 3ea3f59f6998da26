/**
 * What the agent reports about itself, as plain data: the status file, the
 * API's status route, gRPC and metrics all read these shapes. They live in
 * the pure core so those readers need nothing of the agent that writes them.
 */
import type { HistogramSnapshot } from '../histogram.ts';

export type MonitorState = 'stopped' | 'running' | 'failed';

/** A ring buffer's userspace counters (the ebpf layer's RingStats has this shape). */
export interface RingCounters {
  readonly wakeups: number;
  readonly records: number;
  readonly bytes: number;
  readonly batches: number;
  readonly maxBatch: number;
  /** Native callback invocations that ended in an exception. */
  readonly callbackErrors: number;
  /** Batches whose handler threw: the records were delivered but not handled. */
  readonly handlerErrors: number;
  /** Periodic drains (pollIntervalMs) that found records: deliveries without a kernel wake-up. */
  readonly timerDrains: number;
}

export interface MonitorStatus {
  readonly name: string;
  readonly state: MonitorState;
  readonly error?: string;
  /** Events decoded and handed to the sink. */
  readonly events: number;
  /** Records the kernel could not reserve in the ring buffer (lost in the kernel). */
  readonly kernelDrops: number;
  /** Records that arrived but could not be decoded. */
  readonly decodeErrors: number;
  readonly ring?: RingCounters;
  readonly attached: readonly string[];
  /** Monitor-specific kernel counters (e.g. events rejected by in-kernel filters). */
  readonly counters?: Readonly<Record<string, number>>;
}

export interface MonitorSnapshot extends MonitorStatus {
  readonly eventsPerSecond: number;
}

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

export interface StatusSnapshot {
  readonly pid: number;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
  /** Set by a clean shutdown. */
  readonly stoppedAtMs?: number;
  readonly database: string;
  readonly monitors: readonly MonitorSnapshot[];
  readonly store: {
    readonly stored: number;
    readonly queued: number;
    readonly queueDropped: number;
    /** Events never written: still queued at stop, or the database was damaged. */
    readonly unwritten?: number;
    readonly writeFailures: number;
    readonly lastError?: string;
    /** Kernel timestamp to committed row, since the agent started. */
    readonly latencyMs?: LatencySummary;
  };
  readonly retention: RetentionCounts;
}
