/**
 * Two ways to decide a packet: the definition (every rule in evaluation
 * order, first match wins) and a model of the kernel's lookup over a
 * compiled rule set (the encoded rule bytes, longest-prefix trie hits, the
 * three candidate walks). Property tests hold them equal.
 */
import { addrBytes, cidrContains, type Family, samePrefix } from './cidr.ts';
import type { CompiledRuleSet, Dir } from './compile.ts';
import { activeWord, encodeRule, FW, RULE } from './layout.ts';
import { byEvaluationOrder, type FirewallRule, PROTOCOL_NUMBER, ruleFamily } from './rule.ts';

export interface Packet {
  readonly family: Family;
  /** IP protocol number. */
  readonly protocol: number;
  /** 4 or 16 bytes, by family. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** TCP/UDP ports; absent when the packet has no transport header (e.g. a later fragment). */
  readonly ports?: { readonly sport: number; readonly dport: number };
}

export function ruleMatches(r: FirewallRule, p: Packet): boolean {
  const fam = ruleFamily(r);
  if (fam !== undefined && fam !== p.family) return false;
  if (r.protocol !== 'any' && PROTOCOL_NUMBER[r.protocol] !== p.protocol) return false;
  if (r.srcPorts && !(p.ports && p.ports.sport >= r.srcPorts.lo && p.ports.sport <= r.srcPorts.hi))
    return false;
  if (r.dstPorts && !(p.ports && p.ports.dport >= r.dstPorts.lo && p.ports.dport <= r.dstPorts.hi))
    return false;
  if (r.src && !cidrContains(r.src, p.src)) return false;
  if (r.dst && !cidrContains(r.dst, p.dst)) return false;
  return true;
}

/** The definition: the first rule in evaluation order that matches. */
export function evaluateLinear(rules: readonly FirewallRule[], p: Packet): FirewallRule | undefined {
  return [...rules].sort(byEvaluationOrder).find((r) => ruleMatches(r, p));
}

/** fw_rule_matches over the encoded bytes, as the kernel runs it. */
function encodedMatches(b: Uint8Array, p: Packet): boolean {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = b[RULE.flags]!;
  if (b[RULE.family] && b[RULE.family] !== p.family) return false;
  if (b[RULE.protocol] && b[RULE.protocol] !== p.protocol) return false;
  const inRange = (x: number | undefined, lo: number, hi: number): boolean =>
    x !== undefined && x >= v.getUint16(lo, true) && x <= v.getUint16(hi, true);
  if (flags & FW.F_SPORT && !inRange(p.ports?.sport, RULE.sport_lo, RULE.sport_hi)) return false;
  if (flags & FW.F_DPORT && !inRange(p.ports?.dport, RULE.dport_lo, RULE.dport_hi)) return false;
  const addrIn = (a: Uint8Array, net: number, mask: number): boolean => {
    for (let i = 0; i < 16; i++) if (((a[i] ?? 0) & b[mask + i]!) !== b[net + i]) return false;
    return true;
  };
  if (flags & FW.F_SRC && !addrIn(p.src, RULE.src, RULE.src_mask)) return false;
  if (flags & FW.F_DST && !addrIn(p.dst, RULE.dst, RULE.dst_mask)) return false;
  return true;
}

/** The kernel's lookup over a compiled set: the slot of the first match, or FW.NO_MATCH. */
export function lookupCompiled(set: CompiledRuleSet, p: Packet, encoded = set.rules.map(encodeRule)): number {
  const walk = (head: number, best: number): number => {
    let idx = head;
    for (let c = 0; c < FW.MAX_CHUNKS; c++) {
      const chunk = set.chunks[idx];
      if (!chunk) break;
      for (const s of chunk.slots.slice(0, FW.LIST_SLOTS)) {
        if (s >= best) return best;
        if (encodedMatches(encoded[s]!, p)) return s;
      }
      if (!chunk.next) break;
      idx = chunk.next;
    }
    return best;
  };
  const active = activeWord(0, set.prefixes);
  const trieHead = (dir: Dir): number | undefined => {
    const has =
      p.family === 4
        ? dir === FW.DIR_SRC
          ? FW.HAS_SRC4
          : FW.HAS_DST4
        : dir === FW.DIR_SRC
          ? FW.HAS_SRC6
          : FW.HAS_DST6;
    if (!(active & has)) return undefined;
    const a = dir === FW.DIR_SRC ? p.src : p.dst;
    let hit: { prefix: number; head: number } | undefined;
    for (const e of set.prefixes) {
      if (e.family !== p.family || e.dir !== dir || !samePrefix(e.addr, a, e.prefix)) continue;
      if (!hit || e.prefix > hit.prefix) hit = e;
    }
    return hit?.head;
  };
  let best = walk(0, FW.NO_MATCH);
  for (const dir of [FW.DIR_SRC, FW.DIR_DST] as const) {
    const h = trieHead(dir);
    if (h !== undefined) best = walk(h, best);
  }
  return best;
}

/** An address of the family's length from any bytes (tests build packets with it). */
export const sized = (f: Family, b: Uint8Array): Uint8Array => b.subarray(0, addrBytes(f));
