/**
 * Exec index keys of bpf/include/policy_rules.h: (buffer, path), (inode,
 * dev, buffer), (buffer, sha256), and per buffer the slots of every
 * content rule.
 */
import type { InodeEntry, PathEntry, ShaEntry } from '../../domain/enforce/policy/compiled.ts';
import { EXEC_INODE_KEY, EXEC_PATH_KEY, EXEC_SHA_KEY } from '../../domain/layout/policy-rules.ts';
import type { RawMap } from '../../ebpf/index.ts';
import type { IndexTable } from '../policy/rule-tables.ts';

const P = EXEC_PATH_KEY.fields;
const I = EXEC_INODE_KEY.fields;

/** The path NUL-padded to the key's size: the kernel compares every byte. */
export function pathKey(buf: number, path: string): Uint8Array {
  const b = new Uint8Array(EXEC_PATH_KEY.size);
  new DataView(b.buffer).setUint32(P.buf.offset, buf, true);
  b.set(new TextEncoder().encode(path).subarray(0, P.path.size - 1), P.path.offset);
  return b;
}

export function inodeKey(buf: number, e: Pick<InodeEntry, 'inode' | 'dev'>): Uint8Array {
  const b = new Uint8Array(EXEC_INODE_KEY.size);
  const v = new DataView(b.buffer);
  v.setBigUint64(I.inode.offset, BigInt(e.inode), true);
  v.setUint32(I.dev.offset, e.dev, true);
  v.setUint32(I.buf.offset, buf, true);
  return b;
}

export function shaKey(buf: number, sha256: string): Uint8Array {
  const b = new Uint8Array(EXEC_SHA_KEY.size);
  new DataView(b.buffer).setUint32(EXEC_SHA_KEY.fields.buf.offset, buf, true);
  b.set(Buffer.from(sha256, 'hex'), EXEC_SHA_KEY.fields.sha256.offset);
  return b;
}

const bufKey = (buf: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, buf, true);
  return b;
};

export interface ExecIndexMaps {
  readonly paths: RawMap;
  readonly inodes: RawMap;
  readonly sha256: RawMap;
  readonly shaSlots: RawMap;
}

export interface ExecIndexEntries {
  readonly paths: readonly PathEntry[];
  readonly inodes: readonly InodeEntry[];
  readonly sha256s: readonly ShaEntry[];
}

export function execIndexes(maps: ExecIndexMaps, c: ExecIndexEntries): IndexTable[] {
  const shaSlots = [...new Set(c.sha256s.flatMap((e) => e.slots))].sort((a, b) => a - b);
  const u32 = (k: Uint8Array, off: number): number =>
    new DataView(k.buffer, k.byteOffset).getUint32(off, true);
  return [
    {
      map: maps.paths,
      bufOf: (k) => u32(k, P.buf.offset),
      entries: (buf) => c.paths.map((e) => ({ key: pathKey(buf, e.path), slots: e.slots })),
    },
    {
      map: maps.inodes,
      bufOf: (k) => u32(k, I.buf.offset),
      entries: (buf) => c.inodes.map((e) => ({ key: inodeKey(buf, e), slots: e.slots })),
    },
    {
      map: maps.sha256,
      bufOf: (k) => u32(k, EXEC_SHA_KEY.fields.buf.offset),
      entries: (buf) => c.sha256s.map((e) => ({ key: shaKey(buf, e.sha256), slots: e.slots })),
    },
    {
      // Present only when the buffer has content rules: the kernel's cue to look for verdicts.
      map: maps.shaSlots,
      bufOf: (k) => u32(k, 0),
      entries: (buf) => (shaSlots.length ? [{ key: bufKey(buf), slots: shaSlots }] : []),
    },
  ];
}

/** Deletes every entry (keys read first: deleting while iterating would skip some). */
export function clearMap(map: RawMap): void {
  for (const k of [...map.keys()]) map.delete(k);
}
