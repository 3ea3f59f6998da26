/**
 * What the metrics need from the agent, read once per scrape. Every figure
 * is cumulative where it is a count (since the agent started, or for
 * database-held figures since the database was created), so a scrape reads
 * it and never adds to it.
 */
import type { HistogramSnapshot } from '../../domain/histogram.ts';
import type { StreamStats } from '../streams/slots.ts';

export interface MetricsSource {
  read(): MetricsReading | Promise<MetricsReading>;
}

export interface MetricsReading {
  readonly monitors: readonly MonitorReading[];
  readonly store?: StoreReading;
  readonly detection?: DetectionReading;
  /** Live streams (SSE and gRPC): open, refused, cut. */
  readonly streams?: StreamStats;
  /** Parts that could not be read this time (e.g. 'database'); counted, the rest is still served. */
  readonly errors?: readonly string[];
}

export interface MonitorReading {
  readonly name: string;
  readonly state: 'running' | 'stopped' | 'failed';
  /** Records received from the kernel and decoded. */
  readonly events: number;
  /** Records the kernel could not reserve in the ring buffer (lost in the kernel). */
  readonly kernelDrops: number;
  readonly decodeErrors: number;
  /** Program runs the kernel skipped (recursion misses). */
  readonly missedRuns: number;
  /** Ring batches delivered but not handled (the handler or callback threw). */
  readonly handlerErrors: number;
  /** Consumer wake-ups (batches drained). */
  readonly wakeups?: number;
}

export interface StoreReading {
  readonly stored: number;
  readonly queued: number;
  /** Events lost in userspace (store queue full, or the worker fell behind). */
  readonly queueDropped: number;
  readonly unwritten?: number;
  readonly writeFailures: number;
  readonly rowsRejected?: number;
  /** Rows committed per event type. */
  readonly rowsByType?: Readonly<Record<string, number>>;
  readonly histograms?: {
    readonly latencyUs: HistogramSnapshot;
    readonly batchRows: HistogramSnapshot;
    readonly commitUs: HistogramSnapshot;
  };
  readonly retention?: {
    readonly deletedByAge: number;
    readonly deletedBySize: number;
    readonly failures: number;
  };
}

export interface DetectionReading {
  /** Per rule, from its stored state. */
  readonly rules: readonly {
    readonly id: string;
    readonly runs: number;
    readonly failures: number;
    /** Run time of all successful runs, as stored (survives restarts). */
    readonly runMsTotal: number;
    /** Run and paced on its own (slower than rules.slowRuleMs). */
    readonly slow: boolean;
  }[];
  /** Alerts stored, by rule and severity. */
  readonly alertsRaised: readonly {
    readonly ruleId: string;
    readonly severity: string;
    readonly count: number;
  }[];
  /** Delivery outcomes by sink: delivered, failed (gave up), retried (attempts that failed and were retried). */
  readonly deliveries: readonly { readonly sink: string; readonly outcome: string; readonly count: number }[];
  /** Deliveries pending in the outbox. */
  readonly outboxDepth: number;
  /** Run time distribution (µs) of each rule's successful runs, since the agent started. */
  readonly runTimesUs?: ReadonlyMap<string, HistogramSnapshot>;
}
