/**
 * Raw ring-buffer batches to queued store rows: the store worker's per-event
 * path, in one place so a benchmark can run exactly what the worker runs.
 */
import type { BootClock } from '../../domain/clock.ts';
import { decodeBatch } from '../../families/batch-decode.ts';
import { createDecoder, type DecoderSpec, type RecordDecoder } from '../../families/decoder.ts';
import type { BpfEvent } from '../../families/events.ts';
import type { MonitorCounts } from './protocol.ts';

export type EventsSink = (events: BpfEvent[], priority: boolean) => void;

interface Family {
  readonly decode: RecordDecoder;
  readonly counts: { events: number; decodeErrors: number };
}

export class BatchIngest {
  readonly #sink: EventsSink;
  readonly #families = new Map<string, Family>();
  readonly #onDecodeError: ((monitor: string, message: string, nth: number) => void) | undefined;

  constructor(
    sink: EventsSink,
    decoders: readonly (readonly [string, DecoderSpec])[],
    clock: BootClock,
    onDecodeError?: (monitor: string, message: string, nth: number) => void,
  ) {
    this.#sink = sink;
    this.#onDecodeError = onDecodeError;
    for (const [name, spec] of decoders) {
      this.#families.set(name, {
        decode: createDecoder(spec, clock),
        counts: { events: 0, decodeErrors: 0 },
      });
    }
  }

  /** Decoded events and decode errors per monitor so far. */
  counts(): [string, MonitorCounts][] {
    return [...this.#families].map(([name, f]) => [name, { ...f.counts }]);
  }

  /** Decodes one batch (domain/decode/ring-frames.ts) and hands it on. */
  batch(monitor: string, bytes: Uint8Array, count: number, priority: boolean): void {
    const f = this.#families.get(monitor);
    if (!f) return;
    const { decode, counts } = f;
    const events = decodeBatch(bytes, bytes.byteLength, count, decode, (message) =>
      this.#onDecodeError?.(monitor, message, ++counts.decodeErrors),
    );
    counts.events += events.length;
    if (events.length) this.#sink(events, priority);
  }
}
