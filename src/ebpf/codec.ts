/** Key and value codecs: how map entries are laid out as bytes. */

export interface Codec<T> {
  readonly size: number;
  encode(value: T, into: Uint8Array): void;
  decode(from: Uint8Array): T;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export const u32: Codec<number> = {
  size: 4,
  encode: (v, b) => view(b).setUint32(0, v, true),
  decode: (b) => view(b).getUint32(0, true),
};

export const u64: Codec<bigint> = {
  size: 8,
  encode: (v, b) => view(b).setBigUint64(0, v, true),
  decode: (b) => view(b).getBigUint64(0, true),
};

/** u64 as a JavaScript number: for counters that stay below 2^53. */
export const u64n: Codec<number> = {
  size: 8,
  encode: (v, b) => view(b).setBigUint64(0, BigInt(v), true),
  decode: (b) => {
    const d = view(b);
    return d.getUint32(0, true) + d.getUint32(4, true) * 2 ** 32;
  },
};

export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    encode: (v, b) => {
      if (v.length !== size) throw new RangeError(`expected ${size} bytes, got ${v.length}`);
      b.set(v);
    },
    decode: (b) => Uint8Array.from(b),
  };
}

/** A NUL-padded fixed-size string (like char comm[16]). */
export function cstring(size: number): Codec<string> {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  return {
    size,
    encode: (v, b) => {
      const raw = enc.encode(v);
      if (raw.length >= size) throw new RangeError(`string longer than ${size - 1} bytes`);
      b.fill(0);
      b.set(raw);
    },
    decode: (b) => {
      const end = b.indexOf(0);
      return dec.decode(b.subarray(0, end < 0 ? b.length : end));
    },
  };
}
