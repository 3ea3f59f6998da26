/**
 * Names of skb drop reasons, built from the running kernel's BTF enums
 * (skb_drop_reason, skb_drop_reason_subsys) that the caller reads: reasons
 * differ between kernel versions, so there is no table here. Pure.
 */

export interface DropReasonNames {
  /** Core reasons by value, short names (NO_SOCKET). */
  readonly reasons: ReadonlyMap<number, string>;
  /** Subsystems by id (MAC80211_UNUSABLE, OPENVSWITCH): their reasons carry it in the high 16 bits. */
  readonly subsystems: ReadonlyMap<number, string>;
}

const REASON_PREFIX = 'SKB_DROP_REASON_';
const SUBSYS_PREFIX = 'SKB_DROP_REASON_SUBSYS_';
const SUBSYS_SHIFT = 16;

export const NO_DROP_REASON_NAMES: DropReasonNames = { reasons: new Map(), subsystems: new Map() };

/** Short names from the kernel's enums: SKB_DROP_REASON_NO_SOCKET becomes NO_SOCKET, SKB_CONSUMED CONSUMED. */
export function dropReasonNames(
  reasons: ReadonlyMap<number, string> | undefined,
  subsystems?: ReadonlyMap<number, string>,
): DropReasonNames {
  const r = new Map<number, string>();
  for (const [value, name] of reasons ?? []) r.set(value, strip(name, REASON_PREFIX));
  const s = new Map<number, string>();
  for (const [value, name] of subsystems ?? []) s.set(value, strip(name, SUBSYS_PREFIX));
  return { reasons: r, subsystems: s };
}

function strip(name: string, prefix: string): string {
  if (name.startsWith(prefix)) return name.slice(prefix.length);
  if (name.startsWith('SKB_')) return name.slice(4);
  return name;
}

/** The name of a reason; another subsystem's reads SUBSYSTEM:code; an unknown one UNKNOWN_n. */
export function dropReasonName(names: DropReasonNames, reason: number): string {
  const sub = reason >>> SUBSYS_SHIFT;
  if (sub === 0) return names.reasons.get(reason) ?? `UNKNOWN_${reason}`;
  return `${names.subsystems.get(sub) ?? `SUBSYS_${sub}`}:${reason & 0xffff}`;
}
