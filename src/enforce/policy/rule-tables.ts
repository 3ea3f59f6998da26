/**
 * Writes compiled rules into a policy object's kernel tables, atomically
 * (bpf/include/policy_rules.h): every table exists twice. A changed rule
 * set is written into the inactive buffer, whose old index entries are
 * removed first, then one 4-byte write of `active` switches every program
 * run that starts afterwards to it. When only time windows moved (same
 * fingerprint), the rules' `active` bytes are flipped in place instead.
 */
import type { CompiledRule } from '../../domain/enforce/policy/compiled.ts';
import {
  POLICY_MAX_RULES,
  POLICY_META,
  POLICY_RATE,
  POLICY_RULE,
  POLICY_SETTINGS,
  RULE_HAS_CGROUP,
  RULE_HAS_UID,
  RULE_SET,
} from '../../domain/layout/policy-rules.ts';
import type { RawMap } from '../../ebpf/index.ts';

const R = POLICY_RULE.fields;

export interface RuleTables {
  readonly rules: RawMap;
  readonly meta: RawMap;
  readonly active: RawMap;
  readonly rate: RawMap;
  readonly settings: RawMap;
}

/** An index map (LPM trie, hash): its entries for a buffer, and which buffer a stored key is in. */
export interface IndexTable {
  readonly map: RawMap;
  readonly bufOf: (key: Uint8Array) => number;
  readonly entries: (
    buf: number,
  ) => readonly { readonly key: Uint8Array; readonly slots: readonly number[] }[];
}

export interface SyncResult {
  /** unchanged: nothing to write; windows: active bytes flipped in place; swapped: a new rule set took over. */
  readonly mode: 'unchanged' | 'windows' | 'swapped';
  /** The buffer now active. */
  readonly buffer: number;
  readonly rules: number;
  readonly active: number;
}

const u32key = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

export function encodeRule(r: CompiledRule): Uint8Array {
  const b = new Uint8Array(POLICY_RULE.size);
  const v = new DataView(b.buffer);
  v.setBigUint64(R.cgroup_id.offset, BigInt(r.cgroup?.id ?? 0), true);
  v.setUint32(R.cgroup_level.offset, r.cgroup?.level ?? 0, true);
  v.setUint32(R.id.offset, r.id, true);
  v.setUint32(R.uid.offset, r.uid ?? 0, true);
  v.setUint16(R.port_lo.offset, r.portLo, true);
  v.setUint16(R.port_hi.offset, r.portHi, true);
  b[R.action.offset] = r.action;
  b[R.protocol.offset] = r.protocol;
  b[R.flags.offset] = (r.uid !== null ? RULE_HAS_UID : 0) | (r.cgroup !== null ? RULE_HAS_CGROUP : 0);
  b[R.active.offset] = r.active ? 1 : 0;
  return b;
}

export function encodeSlots(slots: readonly number[]): Uint8Array {
  const b = new Uint8Array(RULE_SET.size);
  for (const s of slots) b[s >> 3]! |= 1 << (s & 7); // little-endian u64 words: bit s is byte s/8, bit s%8
  return b;
}

function readMeta(meta: RawMap, buf: number): { count: number; fingerprint: bigint } {
  const v = meta.lookup(u32key(buf));
  if (!v) return { count: 0, fingerprint: 0n };
  const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return {
    count: d.getUint32(POLICY_META.fields.count.offset, true),
    fingerprint: d.getBigUint64(POLICY_META.fields.fingerprint.offset, true),
  };
}

function writeMeta(meta: RawMap, buf: number, count: number, fingerprint: bigint): void {
  const b = new Uint8Array(POLICY_META.size);
  const d = new DataView(b.buffer);
  d.setUint32(POLICY_META.fields.count.offset, count, true);
  d.setBigUint64(POLICY_META.fields.fingerprint.offset, fingerprint, true);
  meta.update(u32key(buf), b);
}

export function activeBuffer(active: RawMap): number {
  const v = active.lookup(u32key(0));
  return v ? new DataView(v.buffer, v.byteOffset).getUint32(0, true) & 1 : 0;
}

/** Per-rule record rate: `perSecond` records per second per rule (bursts of one second); 0: no limit. */
export function writeSettings(settings: RawMap, perSecond: number): void {
  const b = new Uint8Array(POLICY_SETTINGS.size);
  const d = new DataView(b.buffer);
  const second = 1_000_000_000n;
  d.setBigUint64(
    POLICY_SETTINGS.fields.cost_ns.offset,
    perSecond > 0 ? second / BigInt(perSecond) : 0n,
    true,
  );
  d.setBigUint64(POLICY_SETTINGS.fields.burst_ns.offset, second, true);
  settings.update(u32key(0), b);
}

export function syncTables(
  t: RuleTables,
  compiled: { readonly rules: readonly CompiledRule[]; readonly fingerprint: bigint },
  indexes: readonly IndexTable[],
): SyncResult {
  const n = compiled.rules.length;
  const activeCount = compiled.rules.filter((r) => r.active).length;
  const cur = activeBuffer(t.active);
  const meta = readMeta(t.meta, cur);
  if (meta.fingerprint === compiled.fingerprint && meta.count === n) {
    // Same rules: flip the active bytes that differ (a one-byte change of an otherwise equal value).
    let flipped = 0;
    compiled.rules.forEach((r, i) => {
      const key = u32key(cur * POLICY_MAX_RULES + i);
      const want = encodeRule(r);
      const have = t.rules.lookup(key);
      if (have && have[R.active.offset] === want[R.active.offset]) return;
      t.rules.update(key, want);
      flipped++;
    });
    return { mode: flipped ? 'windows' : 'unchanged', buffer: cur, rules: n, active: activeCount };
  }
  const next = cur ^ 1;
  // The inactive buffer's entries are from two rule sets ago: no program run can still be reading them.
  for (const idx of indexes) {
    const stale = [...idx.map.keys()].filter((k) => idx.bufOf(k) === next);
    for (const k of stale) idx.map.delete(k);
  }
  const zeroRate = new Uint8Array(POLICY_RATE.size);
  compiled.rules.forEach((r, i) => {
    const slot = u32key(next * POLICY_MAX_RULES + i);
    t.rules.update(slot, encodeRule(r));
    t.rate.update(slot, zeroRate);
  });
  for (const idx of indexes) {
    for (const e of idx.entries(next)) idx.map.update(e.key, encodeSlots(e.slots));
  }
  writeMeta(t.meta, next, n, compiled.fingerprint);
  t.active.update(u32key(0), u32key(next)); // the switch
  return { mode: 'swapped', buffer: next, rules: n, active: activeCount };
}
