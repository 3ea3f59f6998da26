/**
 * A monitor: one kernel program family feeding decoded events to a sink, and
 * what the agent hands a family's monitor factory (family.ts, MonitorModule).
 */

import type { BootClock } from '../domain/clock.ts';
import type { MonitorStatus } from '../domain/contracts/status.ts';
import type { Kernel, NativeBridge } from '../ebpf/index.ts';
import type { DecoderSpec } from './decoder.ts';
import type { BpfEvent } from './events.ts';

/** Receives decoded events; `priority` events may use the store queue's reserve. */
export type EventSink = (events: BpfEvent[], priority?: boolean) => void;

export type { MonitorState, MonitorStatus } from '../domain/contracts/status.ts';

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

export interface MonitorContext {
  readonly bridge: NativeBridge;
  readonly kernel: Kernel;
  readonly clock: BootClock;
  readonly onDecodeError?: (monitor: string, message: string) => void;
}
