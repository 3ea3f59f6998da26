/** A monitor: one kernel program family feeding decoded events to a sink. */

import type { RingStats } from '../../ebpf/index.ts';
import type { DecoderSpec } from '../../families/decoder.ts';
import type { BpfEvent } from '../../families/events.ts';

/** Receives decoded events; `priority` events may use the store queue's reserve. */
export type EventSink = (events: BpfEvent[], priority?: boolean) => void;

export type MonitorState = 'stopped' | 'running' | 'failed';

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
  readonly ring?: RingStats;
  readonly attached: readonly string[];
  /** Monitor-specific kernel counters (e.g. events rejected by in-kernel filters). */
  readonly counters?: Readonly<Record<string, number>>;
}

/** Raw record batches (a copy the receiver owns), for a store that decodes them. */
export type RawBatchSink = (monitor: string, bytes: Uint8Array, count: number, priority: boolean) => void;

export interface Monitor {
  readonly name: string;
  /** How its records decode, for a store that decodes them (see RingMonitor's raw mode). */
  readonly decoder?: DecoderSpec;
  /**
   * Loads and attaches; throws on failure (the agent keeps other monitors
   * running). With `raw`, record batches go there undecoded instead of `sink`.
   */
  start(sink: EventSink, raw?: RawBatchSink): void;
  /** Detaches, delivers what is still in the ring, and releases everything. */
  stop(): void;
  status(): MonitorStatus;
}
