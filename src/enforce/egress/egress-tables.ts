/** Egress index keys: the LPM tries' (buffer, address) keys of bpf/include/policy_rules.h. */
import type { PrefixEntry } from '../../domain/enforce/policy/compiled.ts';
import { LPM4_KEY, LPM6_KEY } from '../../domain/layout/policy-rules.ts';
import type { RawMap } from '../../ebpf/index.ts';
import type { IndexTable } from '../policy/rule-tables.ts';

/** prefixlen counts the buffer byte: 8 + the CIDR's length. */
export function lpmKey(buf: number, e: Pick<PrefixEntry, 'family' | 'prefixLen' | 'bytes'>): Uint8Array {
  const layout = e.family === 4 ? LPM4_KEY : LPM6_KEY;
  const b = new Uint8Array(layout.size);
  new DataView(b.buffer).setUint32(layout.fields.prefixlen.offset, 8 + e.prefixLen, true);
  b[layout.fields.data.offset] = buf;
  b.set(e.bytes, layout.fields.data.offset + 1);
  return b;
}

export function egressIndexes(lpm4: RawMap, lpm6: RawMap, prefixes: readonly PrefixEntry[]): IndexTable[] {
  const table = (map: RawMap, family: 4 | 6): IndexTable => ({
    map,
    bufOf: (k) => k[LPM4_KEY.fields.data.offset]!,
    entries: (buf) =>
      prefixes.filter((p) => p.family === family).map((p) => ({ key: lpmKey(buf, p), slots: p.slots })),
  });
  return [table(lpm4, 4), table(lpm6, 6)];
}
