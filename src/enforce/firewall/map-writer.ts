/**
 * Writes a compiled rule set into the kernel without a moment where traffic
 * is unfiltered or sees old and new rules mixed (see bpf/include/firewall.h):
 *
 *   1. clear the inactive set's trie entries (left over by a crash, if any);
 *   2. write the whole new set into the inactive copy (rules, lists, tries);
 *   3. flip fw_active with one update (the set, and which tries it uses):
 *      each packet reads it once;
 *   4. wait for packets still evaluating the old set (an update of the
 *      fw_barrier map-in-map returns after an RCU grace period);
 *   5. clear the old set's trie entries and counters of removed rules.
 *
 * Callers serialize writers (the store's write transaction).
 */
import type { CompiledRuleSet } from '../../domain/enforce/firewall/compile.ts';
import {
  activeWord,
  encodeList,
  encodeLpmKey,
  encodeRule,
  FW,
  lpmKeyTag,
  lpmTag,
} from '../../domain/enforce/firewall/layout.ts';
import { encodeConfig, type RateLimitSettings } from '../../domain/enforce/firewall/ratelimit.ts';
import { BpfError, UpdateFlags } from '../../ebpf/index.ts';
import type { FirewallMaps } from './loader.ts';

export interface WriteReport {
  /** The set now active: 0 (A) or 1 (B). */
  readonly set: number;
  readonly rules: number;
  readonly chunks: number;
  readonly prefixes: number;
  readonly maxCandidates: number;
  readonly ms: number;
}

export const u32Bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};
const ZERO = u32Bytes(0);

export function activeSet(maps: FirewallMaps): number {
  const v = maps.get('fw_active').lookup(ZERO);
  return v ? new DataView(v.buffer, v.byteOffset).getUint32(0, true) & FW.ACTIVE_SET : 0;
}

/** Deletes the trie entries of one set. */
function clearSet(maps: FirewallMaps, set: number): void {
  for (const name of ['fw_lpm4', 'fw_lpm6'] as const) {
    const m = maps.get(name);
    // Collect first: deleting while walking get_next_key can skip entries.
    const stale = [...m.keys()].filter((k) => lpmKeyTag(k) >> 1 === set);
    for (const k of stale) m.delete(k);
  }
}

/** Makes every running program finish before the caller goes on. */
function barrier(maps: FirewallMaps): void {
  maps.get('fw_barrier').update(ZERO, u32Bytes(maps.get('fw_barrier_in').fd));
}

/** Creates zeroed counters for rules that have none (kept for rules that stay). */
function ensureRuleStats(maps: FirewallMaps, ids: readonly number[]): void {
  const m = maps.get('fw_rule_stats');
  const zero = new Uint8Array(m.valueBytes);
  for (const id of ids) {
    try {
      m.update(u32Bytes(id), zero, UpdateFlags.NOEXIST);
    } catch (err) {
      if (!(err instanceof BpfError && err.code === 'EEXIST')) throw err;
    }
  }
}

function pruneRuleStats(maps: FirewallMaps, ids: readonly number[]): void {
  const m = maps.get('fw_rule_stats');
  const keep = new Set(ids);
  const gone = [...m.keys()].filter(
    (k) => !keep.has(new DataView(k.buffer, k.byteOffset).getUint32(0, true)),
  );
  for (const k of gone) m.delete(k);
}

export function writeRuleSet(maps: FirewallMaps, set: CompiledRuleSet): WriteReport {
  const t0 = performance.now();
  const old = activeSet(maps);
  const next = old ^ 1;
  const ruleBase = next * FW.MAX_RULES;
  const listBase = next * FW.MAX_LISTS;
  const ids = set.rules.map((r) => r.id);

  clearSet(maps, next);
  ensureRuleStats(maps, ids);
  const rules = maps.get('fw_rules');
  set.rules.forEach((r, slot) => {
    rules.update(u32Bytes(ruleBase + slot), encodeRule(r));
  });
  const lists = maps.get('fw_lists');
  set.chunks.forEach((c, i) => {
    const slots = c.slots.map((s) => ruleBase + s);
    lists.update(u32Bytes(listBase + i), encodeList(slots.length, c.next ? listBase + c.next : 0, slots));
  });
  const lpm = { 4: maps.get('fw_lpm4'), 6: maps.get('fw_lpm6') } as const;
  for (const e of set.prefixes) {
    lpm[e.family].update(
      encodeLpmKey(e.family, lpmTag(next, e.dir), e.addr, e.prefix),
      u32Bytes(listBase + e.head),
    );
  }

  maps.get('fw_active').update(ZERO, u32Bytes(activeWord(next, set.prefixes)));
  barrier(maps);
  clearSet(maps, old);
  pruneRuleStats(maps, ids);
  return {
    set: next,
    rules: set.rules.length,
    chunks: set.chunks.length,
    prefixes: set.prefixes.length,
    maxCandidates: set.maxCandidates,
    ms: performance.now() - t0,
  };
}

export function writeSettings(maps: FirewallMaps, s: RateLimitSettings): void {
  maps.get('fw_config').update(ZERO, encodeConfig(s));
}
