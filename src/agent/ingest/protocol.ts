/** Messages between the agent's main thread and its store worker. */

import type { LatencySummary, RetentionCounts, StoreHistograms } from '../../domain/contracts/status.ts';
import type { DecoderSpec } from '../../families/decoder.ts';
import type { Config } from '../config.ts';

export interface WorkerInit {
  readonly database: string;
  readonly store: Config['store'];
  readonly retention: Config['retention'];
  /** CLOCK_REALTIME - CLOCK_BOOTTIME, as a decimal string (bigint does not cross as-is). */
  readonly bootOffsetNs: string;
  readonly decoders: readonly (readonly [string, DecoderSpec])[];
}

export type ToWorker =
  | {
      readonly kind: 'batch';
      readonly monitor: string;
      readonly bytes: Uint8Array;
      readonly count: number;
      readonly priority: boolean;
    }
  | { readonly kind: 'clock'; readonly bootOffsetNs: string }
  | { readonly kind: 'stop' };

export interface MonitorCounts {
  readonly events: number;
  readonly decodeErrors: number;
}

export interface WorkerStats {
  /** Batches taken off the message queue so far (the main thread's in-flight accounting). */
  readonly processedBatches: number;
  readonly monitors: readonly (readonly [string, MonitorCounts])[];
  readonly store: {
    readonly rowsWritten: number;
    readonly batches: number;
    readonly queued: number;
    readonly queueDropped: number;
    readonly unwritten: number;
    readonly writeFailures: number;
    readonly lastError?: string;
    readonly rowsRejected?: number;
    readonly rowsByType?: Readonly<Record<string, number>>;
  };
  readonly latencyMs: LatencySummary;
  readonly histograms?: StoreHistograms;
  readonly retention: RetentionCounts;
}

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'stats'; readonly stats: WorkerStats }
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'stopped'; readonly stats: WorkerStats };
