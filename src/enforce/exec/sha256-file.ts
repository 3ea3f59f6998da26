/** SHA-256 of a file, streamed, with a size bound (a huge binary must not stall every exec of it). */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Beyond this a file is not hashed: content rules do not match it. */
export const MAX_HASH_BYTES = 512 * 1024 * 1024;

const CHUNK = 1024 * 1024;

export type HashResult = { readonly sha256: string } | { readonly tooLarge: bigint };

/** Hashes an open file from its start; `size` from its fstat decides the bound before reading. */
export async function sha256OfHandle(
  fh: FileHandle,
  size: bigint,
  maxBytes = MAX_HASH_BYTES,
): Promise<HashResult> {
  if (size > BigInt(maxBytes)) return { tooLarge: size };
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  let total = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
    total += bytesRead;
    // It grew while read (not for a running binary, which cannot be written): the bound still holds.
    if (total > maxBytes) return { tooLarge: BigInt(total) };
  }
  return { sha256: h.digest('hex') };
}

/** The hex SHA-256 of the file at `path` (for `--sha256-of`, at add time), or the bound it exceeds. */
export function sha256OfFileSync(path: string, maxBytes = MAX_HASH_BYTES): HashResult {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd, { bigint: true }).size;
    if (size > BigInt(maxBytes)) return { tooLarge: size };
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) {
      h.update(buf.subarray(0, n));
    }
    return { sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}
