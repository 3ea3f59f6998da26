/**
 * The one decode loop from a ring batch to events, run where the records are
 * consumed: in the store worker (BatchIngest) and, when the store runs in
 * the agent's thread, in the monitor itself. Pure.
 */
import { FRAME_HEADER } from '../domain/decode/ring-frames.ts';
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
  // The framing of domain/decode/ring-frames.ts, read inline: this loop runs
  // for every record at storm rates, and a callback per record (forEachFrame,
  // called from several places) kept V8 from inlining the decoder.
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const events: E[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    const size = view.getUint32(off, true);
    const r = decode(bytes, view, off + FRAME_HEADER, size);
    off += FRAME_HEADER + ((size + 7) & ~7);
    if (r === null) continue;
    if ('error' in r) onError(r.error);
    else events.push(r);
  }
  return events;
}
