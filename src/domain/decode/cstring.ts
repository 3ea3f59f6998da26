/** Reads NUL-terminated strings out of fixed-size record fields. */
const utf8 = new TextDecoder('utf-8');

/** String in bytes[off, off+max) up to the first NUL. ASCII fast path avoids TextDecoder for short names. */
export function readCString(bytes: Uint8Array, off: number, max: number): string {
  let end = off;
  const limit = Math.min(off + max, bytes.length);
  let ascii = true;
  while (end < limit) {
    const b = bytes[end]!;
    if (b === 0) break;
    if (b > 0x7f) ascii = false;
    end++;
  }
  if (ascii && end - off <= 32) {
    let s = '';
    for (let i = off; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return utf8.decode(bytes.subarray(off, end));
}

/** NUL-separated strings in bytes[off, off+len) (argv as the kernel lays it out). */
export function readStringList(bytes: Uint8Array, off: number, len: number): string[] {
  if (len <= 0) return [];
  const parts = utf8.decode(bytes.subarray(off, off + len)).split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
