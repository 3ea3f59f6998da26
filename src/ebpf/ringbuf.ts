/**
 * Ring buffer consumer: the bridge drains the ring on each event-loop wake-up
 * and hands over one batch. Records are framed in the batch as
 *   u32 size | u32 reserved | data | padding to 8 bytes.
 * The batch memory is reused: handlers must decode synchronously.
 */

import { forEachFrame } from '../domain/decode/ring-frames.ts';
import type { Handle, NativeBridge } from './bridge.ts';
import { check } from './check.ts';
import { BpfError } from './errors.ts';
import type { RawMap } from './map.ts';
import { MapType } from './types.ts';

export interface RecordBatch {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  /** Bytes used in the batch. */
  readonly length: number;
  /** Records in the batch. */
  readonly count: number;
}

export interface RingStats {
  wakeups: number;
  records: number;
  bytes: number;
  batches: number;
  maxBatch: number;
  /** Native callback invocations that ended in an exception. */
  callbackErrors: number;
  /** Batches whose handler threw: the records were delivered but not handled. */
  handlerErrors: number;
  /** Periodic drains (pollIntervalMs) that found records: deliveries without a kernel wake-up. */
  timerDrains: number;
}

export interface RingOptions {
  /** Upper bound of bytes drained per wake-up before yielding to the event loop. */
  readonly batchBytes?: number;
  /**
   * Also drain every this many milliseconds (0 or absent: only on wake-ups).
   * Needed when the program submits without waking the consumer (a wake-up
   * threshold): records below the threshold arrive within this bound.
   */
  readonly pollIntervalMs?: number;
  /** Called when the handler throws; the consumer keeps running. */
  readonly onError?: (err: unknown) => void;
}

/** Calls fn for each record: (view, offset of the record's data, size). */
export function forEachRecord(
  batch: RecordBatch,
  fn: (view: DataView, offset: number, size: number) => void,
): void {
  forEachFrame(batch.view, batch.count, fn);
}

export class RingBuffer {
  readonly map: string;
  readonly #bridge: NativeBridge;
  #handle: Handle | undefined;
  #handlerErrors = 0;

  private constructor(bridge: NativeBridge, map: string) {
    this.#bridge = bridge;
    this.map = map;
  }

  static open(
    bridge: NativeBridge,
    map: RawMap,
    onBatch: (batch: RecordBatch) => void,
    opts: RingOptions = {},
  ): RingBuffer {
    if (map.type !== MapType.RINGBUF) {
      throw new BpfError('EINVAL', `map ${map.name} is not a ring buffer (type ${map.type})`);
    }
    const rb = new RingBuffer(bridge, map.name);
    let lastBuffer: ArrayBuffer | undefined;
    let view = new DataView(new ArrayBuffer(0));
    let bytes = new Uint8Array(0);
    const batch = { view, bytes, length: 0, count: 0 };
    const cb = (ab: ArrayBuffer, length: number, count: number): void => {
      if (ab !== lastBuffer) {
        lastBuffer = ab;
        view = new DataView(ab);
        bytes = new Uint8Array(ab);
        batch.view = view;
        batch.bytes = bytes;
      }
      batch.length = length;
      batch.count = count;
      try {
        onBatch(batch);
      } catch (err) {
        rb.#handlerErrors++;
        try {
          opts.onError?.(err);
        } catch {
          // An error reporter that throws must not take the consumer down.
        }
      }
    };
    rb.#handle = check(
      bridge,
      bridge.ringbufOpen(map.fd, cb, opts.batchBytes, opts.pollIntervalMs),
      `open ring buffer ${map.name}`,
    );
    return rb;
  }

  /** Drains what is in the ring now, synchronously (handler runs before return). */
  consume(): number {
    if (!this.#handle) return 0;
    return check(this.#bridge, this.#bridge.ringbufConsume(this.#handle), `consume ring buffer ${this.map}`);
  }

  stats(): RingStats {
    if (!this.#handle) throw new BpfError('EBADF', `ring buffer ${this.map} is closed`);
    const s = check(this.#bridge, this.#bridge.ringbufStats(this.#handle), `ring buffer ${this.map} stats`);
    return { ...s, timerDrains: s.timerDrains ?? 0, handlerErrors: this.#handlerErrors };
  }

  get closed(): boolean {
    return this.#handle === undefined;
  }

  /** Stops consuming. Safe at any time, including inside the handler. */
  close(): void {
    if (!this.#handle) return;
    this.#bridge.ringbufClose(this.#handle);
    this.#handle = undefined;
  }
}
