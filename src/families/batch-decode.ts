/**
 * The one decode loop from a ring batch to events, run where the records are
 * consumed: in the store worker (BatchIngest) and, when the store runs in
 * the agent's thread, in the monitor itself. Pure.
 */
import { forEachFrame } from '../domain/decode/ring-frames.ts';
import type { EventBase } from '../domain/event-base.ts';
import type { RecordDecoder } from './family.ts';

/** The decoded events of a batch of count records; undecodable ones go to onError. */
export function decodeBatch<E extends EventBase>(
  bytes: Uint8Array,
  length: number,
  count: number,
  decode: RecordDecoder<E>,
  onError: (message: string) => void,
): E[] {
  const events: E[] = [];
  forEachFrame(new DataView(bytes.buffer, bytes.byteOffset, length), count, (view, off, size) => {
    const r = decode(bytes, view, off, size);
    if (r === null) return;
    if ('error' in r) onError(r.error);
    else events.push(r);
  });
  return events;
}
