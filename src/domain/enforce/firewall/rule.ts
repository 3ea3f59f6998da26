/**
 * Firewall rules as the domain holds them (validated) and as text (what the
 * CLI, config, store and JSON output use).
 *
 * Semantics: rules are evaluated by priority (lower first), then id; the
 * first rule that matches decides. `drop` drops, `pass` passes (and skips
 * the remaining rules; the rate limit still applies), `log` passes and
 * records the hit. `log: true` on a drop or pass rule records its hits too.
 * No match: pass.
 */
import { type Cidr, type Family, formatCidr } from './cidr.ts';

export const ACTIONS = ['pass', 'drop', 'log'] as const;
export type Action = (typeof ACTIONS)[number];

export const PROTOCOLS = ['any', 'tcp', 'udp', 'icmp', 'icmpv6'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** IP protocol numbers; 0 for any. */
export const PROTOCOL_NUMBER: Readonly<Record<Protocol, number>> = {
  any: 0,
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
};

export const MAX_RULE_ID = 0xffff_ffff;
export const MAX_PRIORITY = 1_000_000;
export const DEFAULT_PRIORITY = 1000;
export const MAX_COMMENT = 200;

export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export interface FirewallRule {
  /** 1..2^32-1; the kernel reports it in records and counts by it. */
  readonly id: number;
  /** 0..1,000,000: lower is evaluated first. */
  readonly priority: number;
  readonly action: Action;
  /** Record hits (always true for action log). */
  readonly log: boolean;
  readonly protocol: Protocol;
  readonly src?: Cidr;
  readonly dst?: Cidr;
  /** Only with tcp or udp. */
  readonly srcPorts?: PortRange;
  readonly dstPorts?: PortRange;
  readonly comment: string;
}

/** A rule as text, the shape of --json output, config entries and the change log. */
export interface RuleJson {
  readonly id: number;
  readonly priority: number;
  readonly action: Action;
  readonly log: boolean;
  readonly protocol: Protocol;
  readonly src: string | null;
  readonly dst: string | null;
  readonly sport: string | null;
  readonly dport: string | null;
  readonly comment: string;
}

export function formatPorts(p: PortRange | undefined): string | null {
  if (!p) return null;
  return p.lo === p.hi ? String(p.lo) : `${p.lo}-${p.hi}`;
}

export function ruleToJson(r: FirewallRule): RuleJson {
  return {
    id: r.id,
    priority: r.priority,
    action: r.action,
    log: r.log,
    protocol: r.protocol,
    src: r.src ? formatCidr(r.src) : null,
    dst: r.dst ? formatCidr(r.dst) : null,
    sport: formatPorts(r.srcPorts),
    dport: formatPorts(r.dstPorts),
    comment: r.comment,
  };
}

/** The family a rule is limited to by its addresses or protocol, if any. */
export function ruleFamily(r: FirewallRule): Family | undefined {
  if (r.src) return r.src.family;
  if (r.dst) return r.dst.family;
  if (r.protocol === 'icmp') return 4;
  if (r.protocol === 'icmpv6') return 6;
  return undefined;
}

/** Evaluation order: priority, then id. */
export function byEvaluationOrder(a: FirewallRule, b: FirewallRule): number {
  return a.priority - b.priority || a.id - b.id;
}

/** The kernel's verdict for a matching rule. */
export const dropsPacket = (r: FirewallRule): boolean => r.action === 'drop';
