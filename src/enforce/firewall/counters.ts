/** The firewall's per-CPU counters, summed over CPUs. */
import { type Family, formatAddr } from '../../domain/enforce/firewall/cidr.ts';
import {
  COUNTERS,
  type CounterName,
  RL_KEY,
  RL_STATE,
  RULE_STATS,
} from '../../domain/enforce/firewall/layout.ts';
import type { RawMap } from '../../ebpf/index.ts';
import type { FirewallMaps } from './loader.ts';
import { u32Bytes } from './map-writer.ts';

export type FirewallCounters = Record<CounterName, number>;

export interface RuleCounters {
  readonly packets: number;
  readonly bytes: number;
}

export interface SourceCounters {
  readonly source: string;
  readonly allowed: number;
  readonly dropped: number;
  readonly synDropped: number;
}

/** Sums the u64 at `off` of every CPU's slot in a per-CPU lookup result. */
function sumAt(map: RawMap, v: Uint8Array, off: number): number {
  const stride = Math.ceil(map.valueSize / 8) * 8;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  let n = 0;
  for (let cpu = 0; cpu < map.cpus; cpu++) {
    const o = cpu * stride + off;
    n += dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 2 ** 32;
  }
  return n;
}

export function readCounters(maps: FirewallMaps): FirewallCounters {
  const m = maps.get('fw_counters');
  const out = {} as Record<CounterName, number>;
  COUNTERS.forEach((name, i) => {
    const v = m.lookup(u32Bytes(i));
    out[name] = v ? sumAt(m, v, 0) : 0;
  });
  return out;
}

export function readRuleCounters(maps: FirewallMaps): Map<number, RuleCounters> {
  const m = maps.get('fw_rule_stats');
  const out = new Map<number, RuleCounters>();
  for (const k of m.keys()) {
    const v = m.lookup(k);
    if (!v) continue;
    const id = new DataView(k.buffer, k.byteOffset).getUint32(0, true);
    out.set(id, { packets: sumAt(m, v, RULE_STATS.packets), bytes: sumAt(m, v, RULE_STATS.bytes) });
  }
  return out;
}

/** Sources the rate limit tracks now (LRU: the least recent are forgotten), most dropped first. */
export function readSources(maps: FirewallMaps, limit: number): SourceCounters[] {
  const m = maps.get('fw_rl_state');
  const out: SourceCounters[] = [];
  for (const k of m.keys()) {
    const v = m.lookup(k);
    if (!v) continue;
    const family = k[RL_KEY.family] as Family;
    out.push({
      source: formatAddr(family, k.subarray(RL_KEY.addr, RL_KEY.addr + (family === 4 ? 4 : 16))),
      allowed: sumAt(m, v, RL_STATE.allowed),
      dropped: sumAt(m, v, RL_STATE.dropped),
      synDropped: sumAt(m, v, RL_STATE.syn_dropped),
    });
  }
  out.sort(
    (a, b) => b.dropped + b.synDropped - (a.dropped + a.synDropped) || a.source.localeCompare(b.source),
  );
  return out.slice(0, limit);
}
