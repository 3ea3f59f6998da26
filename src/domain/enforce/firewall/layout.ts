/**
 * Byte layouts of the firewall's kernel maps (bpf/include/firewall.h),
 * little-endian like the host, addresses in network order. A kernel test
 * compares every offset and size here with the compiled object's BTF.
 */
import type { Cidr } from './cidr.ts';
import { type FirewallRule, PROTOCOL_NUMBER, ruleFamily } from './rule.ts';

export const FW = {
  MAX_RULES: 16384,
  MAX_LISTS: 32768,
  LIST_SLOTS: 14,
  MAX_CHUNKS: 8,
  MAX_PREFIXES: 65536,
  MAX_SOURCES: 65536,
  NO_MATCH: 0xffff_ffff,
  DIR_SRC: 0,
  DIR_DST: 1,
  PASS: 0,
  DROP: 1,
  F_SRC: 0x01,
  F_DST: 0x02,
  F_SPORT: 0x04,
  F_DPORT: 0x08,
  F_LOG: 0x10,
  ACTIVE_SET: 0x1,
  HAS_SRC4: 0x2,
  HAS_DST4: 0x4,
  HAS_SRC6: 0x8,
  HAS_DST6: 0x10,
} as const;

/** fw_active[0]: the set, and which tries hold entries of it. */
export function activeWord(set: number, prefixes: readonly { family: 4 | 6; dir: number }[]): number {
  let w = set & FW.ACTIVE_SET;
  for (const p of prefixes) {
    if (p.family === 4) w |= p.dir === FW.DIR_SRC ? FW.HAS_SRC4 : FW.HAS_DST4;
    else w |= p.dir === FW.DIR_SRC ? FW.HAS_SRC6 : FW.HAS_DST6;
  }
  return w;
}

/** Candidates one list may hold (chunks walked times slots per chunk). */
export const MAX_CANDIDATES = FW.LIST_SLOTS * FW.MAX_CHUNKS;

/** struct bw_fw_rule */
export const RULE = {
  size: 80,
  id: 0,
  action: 4,
  flags: 5,
  protocol: 6,
  family: 7,
  sport_lo: 8,
  sport_hi: 10,
  dport_lo: 12,
  dport_hi: 14,
  src: 16,
  src_mask: 32,
  dst: 48,
  dst_mask: 64,
} as const;

/** struct bw_fw_list */
export const LIST = { size: 8 + 4 * FW.LIST_SLOTS, count: 0, next: 4, slot: 8 } as const;

/** struct bw_fw_lpm4_key / bw_fw_lpm6_key */
export const LPM4_KEY = { size: 12, prefixlen: 0, data: 4 } as const;
export const LPM6_KEY = { size: 24, prefixlen: 0, data: 4 } as const;

/** struct bw_fw_config */
export const CONFIG = {
  size: 48,
  rl_cost_ns: 0,
  rl_burst_ns: 8,
  syn_cost_ns: 16,
  syn_burst_ns: 24,
  log_cost_ns: 32,
  log_burst_ns: 40,
} as const;

/** struct bw_fw_rule_stats */
export const RULE_STATS = {
  size: 40,
  packets: 0,
  bytes: 8,
  log_last_ns: 16,
  log_credit_ns: 24,
  suppressed: 32,
} as const;

/** struct bw_fw_rl_key */
export const RL_KEY = { size: 20, family: 0, addr: 4 } as const;

/** struct bw_fw_rl_state */
export const RL_STATE = {
  size: 56,
  last_ns: 0,
  credit_ns: 8,
  syn_last_ns: 16,
  syn_credit_ns: 24,
  allowed: 32,
  dropped: 40,
  syn_dropped: 48,
} as const;

/** fw_counters indexes (BW_FW_CTR_*). */
export const COUNTERS = [
  'packets',
  'nonIp',
  'passed',
  'ruleDropped',
  'noMatch',
  'rateAllowed',
  'rateDropped',
  'synDropped',
  'events',
  'eventsSuppressed',
  'ringFull',
] as const;
export type CounterName = (typeof COUNTERS)[number];

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function putCidr(out: Uint8Array, addrOff: number, maskOff: number, c: Cidr): void {
  out.set(c.addr, addrOff);
  for (let bit = 0; bit < c.prefix; bit++) out[maskOff + (bit >> 3)]! |= 0x80 >> (bit & 7);
}

export function encodeRule(r: FirewallRule): Uint8Array {
  const out = new Uint8Array(RULE.size);
  const v = view(out);
  let flags = 0;
  v.setUint32(RULE.id, r.id, true);
  out[RULE.action] = r.action === 'drop' ? FW.DROP : FW.PASS;
  out[RULE.protocol] = PROTOCOL_NUMBER[r.protocol];
  out[RULE.family] = ruleFamily(r) ?? 0;
  if (r.log) flags |= FW.F_LOG;
  if (r.srcPorts) {
    flags |= FW.F_SPORT;
    v.setUint16(RULE.sport_lo, r.srcPorts.lo, true);
    v.setUint16(RULE.sport_hi, r.srcPorts.hi, true);
  }
  if (r.dstPorts) {
    flags |= FW.F_DPORT;
    v.setUint16(RULE.dport_lo, r.dstPorts.lo, true);
    v.setUint16(RULE.dport_hi, r.dstPorts.hi, true);
  }
  if (r.src) {
    flags |= FW.F_SRC;
    putCidr(out, RULE.src, RULE.src_mask, r.src);
  }
  if (r.dst) {
    flags |= FW.F_DST;
    putCidr(out, RULE.dst, RULE.dst_mask, r.dst);
  }
  out[RULE.flags] = flags;
  return out;
}

export function encodeList(count: number, next: number, slots: readonly number[]): Uint8Array {
  const out = new Uint8Array(LIST.size);
  const v = view(out);
  v.setUint32(LIST.count, count, true);
  v.setUint32(LIST.next, next, true);
  slots.forEach((s, i) => {
    v.setUint32(LIST.slot + 4 * i, s, true);
  });
  return out;
}

/** Trie key: tag (set << 1 | dir), then the address, prefix length 8 + prefix. */
export function encodeLpmKey(family: 4 | 6, tag: number, addr: Uint8Array, prefix: number): Uint8Array {
  const layout = family === 4 ? LPM4_KEY : LPM6_KEY;
  const out = new Uint8Array(layout.size);
  view(out).setUint32(layout.prefixlen, 8 + prefix, true);
  out[layout.data] = tag;
  out.set(addr, layout.data + 1);
  return out;
}

export const lpmTag = (set: number, dir: number): number => ((set & 1) << 1) | (dir & 1);

/** The tag byte of an encoded trie key. */
export const lpmKeyTag = (key: Uint8Array): number => key[LPM4_KEY.data]!;

export function encodeRlKey(family: 4 | 6, addr: Uint8Array): Uint8Array {
  const out = new Uint8Array(RL_KEY.size);
  out[RL_KEY.family] = family;
  out.set(addr, RL_KEY.addr);
  return out;
}
