/** Effective capabilities of this process, from /proc/self/status. */
import { readFileSync } from 'node:fs';

export const Cap = { NET_ADMIN: 12, SYS_ADMIN: 21, PERFMON: 38, BPF: 39 } as const;

export function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

export function hasCap(caps: bigint, cap: number): boolean {
  return ((caps >> BigInt(cap)) & 1n) === 1n;
}

/** Can this process load tracing programs? Root, or CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN. */
export function canLoadTracing(caps: bigint): boolean {
  return hasCap(caps, Cap.SYS_ADMIN) || (hasCap(caps, Cap.BPF) && hasCap(caps, Cap.PERFMON));
}
