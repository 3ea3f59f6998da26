/** Where the agent's events go: the store, in this thread or in a worker. */
import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { EventSink } from '../../families/monitor.ts';
import type { RawBatchSink } from '../../families/ring-monitor.ts';

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
