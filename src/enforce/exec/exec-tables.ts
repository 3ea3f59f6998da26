/** Exec index keys: (buffer, path) and (inode, dev, buffer) of bpf/include/policy_rules.h. */
import type { InodeEntry, PathEntry } from '../../domain/enforce/policy/compiled.ts';
import { EXEC_INODE_KEY, EXEC_PATH_KEY } from '../../domain/layout/policy-rules.ts';
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

export function execIndexes(
  paths: RawMap,
  inodes: RawMap,
  pathEntries: readonly PathEntry[],
  inodeEntries: readonly InodeEntry[],
): IndexTable[] {
  const u32 = (k: Uint8Array, off: number): number =>
    new DataView(k.buffer, k.byteOffset).getUint32(off, true);
  return [
    {
      map: paths,
      bufOf: (k) => u32(k, P.buf.offset),
      entries: (buf) => pathEntries.map((e) => ({ key: pathKey(buf, e.path), slots: e.slots })),
    },
    {
      map: inodes,
      bufOf: (k) => u32(k, I.buf.offset),
      entries: (buf) => inodeEntries.map((e) => ({ key: inodeKey(buf, e), slots: e.slots })),
    },
  ];
}
