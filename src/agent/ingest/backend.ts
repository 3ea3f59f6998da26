/** Where the agent's events go: the store, in this thread or in a worker. */
import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { EventSink } from '../../families/monitor.ts';
import type { RawBatchSink } from '../../families/ring-monitor.ts';

export interface StoreBackend {
  /** For events made in the agent (not by a monitor's ring). */
  readonly sink: EventSink;
  /** Monitors hand their raw batches here; the store decodes them (BatchIngest). */
  readonly raw?: RawBatchSink;
  counters(): StoreCounters;
  updateClock(bootOffsetNs: bigint): void;
  /** Writes what it holds and closes. */
  stop(): Promise<void>;
}
