/**
 * Recently decoded NUL-terminated strings, by their bytes. Storms repeat the
 * same comm and the same few paths: a hit returns the string decoded before,
 * with no TextDecoder call and no new string for the collector to sweep.
 * Keys live in one preallocated arena, so a miss allocates only its string.
 */
import { readCString } from './cstring.ts';

export class CStringCache {
  readonly #width: number;
  readonly #mask: number;
  readonly #keys: Uint8Array;
  readonly #lens: Int32Array;
  readonly #values: string[];

  /** slots: a power of two; width: the longest string cached (longer ones are decoded every time). */
  constructor(slots: number, width: number) {
    if (slots < 1 || (slots & (slots - 1)) !== 0) throw new RangeError('slots must be a power of two');
    this.#width = width;
    this.#mask = slots - 1;
    this.#keys = new Uint8Array(slots * width);
    this.#lens = new Int32Array(slots).fill(-1);
    this.#values = new Array<string>(slots).fill('');
  }

  /** The string in bytes[off, off+max) up to the first NUL, as readCString reads it. */
  read(bytes: Uint8Array, off: number, max: number): string {
    const limit = Math.min(off + max, bytes.length);
    let end = off;
    let h = 0x811c9dc5;
    while (end < limit) {
      const b = bytes[end]!;
      if (b === 0) break;
      h = Math.imul(h ^ b, 16777619);
      end++;
    }
    const len = end - off;
    if (len > this.#width) return readCString(bytes, off, max);
    const slot = (h ^ (h >>> 15)) & this.#mask;
    const keys = this.#keys;
    const base = slot * this.#width;
    if (this.#lens[slot] === len) {
      let i = 0;
      while (i < len && keys[base + i] === bytes[off + i]) i++;
      if (i === len) return this.#values[slot]!;
    }
    const s = readCString(bytes, off, len);
    for (let i = 0; i < len; i++) keys[base + i] = bytes[off + i]!;
    this.#lens[slot] = len;
    this.#values[slot] = s;
    return s;
  }
}

/** How a decoder reads strings: cached (the agent) or plain (one-off decoding). */
export interface StringReader {
  comm(bytes: Uint8Array, off: number, max: number): string;
  path(bytes: Uint8Array, off: number, max: number): string;
}

export const PLAIN_STRINGS: StringReader = { comm: readCString, path: readCString };

/** A reader with its own caches: one per decoder, as each runs in one thread. */
export function cachedStrings(): StringReader {
  const comms = new CStringCache(256, 16);
  const paths = new CStringCache(4096, 128);
  return {
    comm: (b, off, max) => comms.read(b, off, max),
    path: (b, off, max) => paths.read(b, off, max),
  };
}
