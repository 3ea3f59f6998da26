/**
 * Rate limit settings and their kernel form. The kernel keeps one token
 * bucket per source address per CPU (an LRU per-CPU hash, no locks): a
 * source whose packets arrive on N CPUs may pass up to N times the rate.
 * One flow (one 5-tuple) is received on one CPU under RSS, so the rate is
 * exact per flow; to bound a source over all CPUs, divide by the CPUs that
 * receive its traffic.
 */
import { FirewallError } from './errors.ts';
import { CONFIG } from './layout.ts';

export interface RateLimitSettings {
  /** Packets per second per source address (per CPU); 0: off. */
  readonly rate: number;
  /** Packets a source may send at once after a quiet period. */
  readonly burst: number;
  /** TCP SYNs (without ACK) per second per source (per CPU); 0: off. */
  readonly synRate: number;
  readonly synBurst: number;
  /** Policy records per second per log rule (and per limiter), per CPU; 0: no limit. */
  readonly logRate: number;
  readonly logBurst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = {
  rate: 0,
  burst: 0,
  synRate: 0,
  synBurst: 0,
  logRate: 10,
  logBurst: 10,
};

export const MAX_RATE = 100_000_000;
export const MAX_BURST = 100_000_000;

export type RateLimitInput = { readonly [K in keyof RateLimitSettings]?: unknown };

const KEYS = Object.keys(DEFAULT_RATE_LIMIT) as (keyof RateLimitSettings)[];

/**
 * Applies changes to current settings. A rate turned on without a burst
 * gets a burst of one second's worth; a rate of 0 turns its limit off.
 */
export function updateRateLimit(
  current: RateLimitSettings,
  change: RateLimitInput,
  name: (k: keyof RateLimitSettings) => string = (k) => k,
): RateLimitSettings {
  const problems: string[] = [];
  const next: Record<keyof RateLimitSettings, number> = { ...current };
  for (const k of KEYS) {
    const v = change[k];
    if (v === undefined || v === null) continue;
    const max = k.endsWith('urst') ? MAX_BURST : MAX_RATE;
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > max) {
      problems.push(`${name(k)}: ${JSON.stringify(v)} is not valid (expected an integer from 0 to ${max})`);
      continue;
    }
    next[k] = n;
  }
  for (const [rate, burst] of [
    ['rate', 'burst'],
    ['synRate', 'synBurst'],
    ['logRate', 'logBurst'],
  ] as const) {
    if (next[rate] === 0) {
      next[burst] = 0;
    } else if (next[burst] === 0) {
      next[burst] = next[rate];
    }
  }
  if (problems.length > 0) throw new FirewallError('FIREWALL_BAD_SETTING', problems.join('; '));
  return next;
}

const NS = 1_000_000_000n;

/** Nanoseconds of credit per packet and the bucket's depth, 0n/0n when off. */
function bucket(rate: number, burst: number): [bigint, bigint] {
  if (rate <= 0) return [0n, 0n];
  const cost = NS / BigInt(rate);
  return [cost, cost * BigInt(Math.max(1, burst))];
}

/** struct bw_fw_config bytes. */
export function encodeConfig(s: RateLimitSettings): Uint8Array {
  const out = new Uint8Array(CONFIG.size);
  const v = new DataView(out.buffer);
  const put = (off: number, [cost, burst]: [bigint, bigint]): void => {
    v.setBigUint64(off, cost, true);
    v.setBigUint64(off + 8, burst, true);
  };
  put(CONFIG.rl_cost_ns, bucket(s.rate, s.burst));
  put(CONFIG.syn_cost_ns, bucket(s.synRate, s.synBurst));
  put(CONFIG.log_cost_ns, bucket(s.logRate, s.logBurst));
  return out;
}
