/**
 * Enforcement decisions: a connect()/sendmsg() the egress policy denied or
 * audited, an exec the exec policy killed or audited, a packet the firewall
 * dropped or logged. One shape for all three (one kernel record layout);
 * fields a kind has no use for are null.
 */
import type { EventBase } from '../../domain/event-base.ts';

export const POLICY_EVENT_TYPES = ['policy_egress', 'policy_exec', 'policy_firewall'] as const;
export type PolicyEventType = (typeof POLICY_EVENT_TYPES)[number];

/** denied: blocked (EPERM, killed, dropped); audited: an audit rule matched, allowed; logged: a pass/log rule matched. */
export type PolicyAction = 'denied' | 'audited' | 'logged';
/** Firewall records only: a rule, the rate limit or the SYN guard decided. */
export type PolicyReason = 'rule' | 'rate_limit' | 'syn_guard';

interface PolicyEventBase extends EventBase {
  readonly action: PolicyAction;
  readonly reason: PolicyReason | null;
  /** The matching rule's id; 0 when no rule decided (rate limit, SYN guard). */
  readonly ruleId: number;
  /** Records of this rule the kernel did not emit since the previous one (rate-limited logging). */
  readonly suppressed: number;
  /** Receiving interface (firewall); 0 otherwise. */
  readonly ifindex: number;
  /** IP version of the addresses; null for records without addresses (exec). */
  readonly family: 4 | 6 | null;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6); null without addresses. */
  readonly protocol: number | null;
  /** Source address and port (firewall: the packet's source); null when unknown. */
  readonly srcAddr: string | null;
  readonly srcPort: number | null;
  /** Destination: where the process tried to connect or send (egress), the packet's destination (firewall). */
  readonly dstAddr: string | null;
  readonly dstPort: number | null;
  /** Exec: the filename as exec'd; null otherwise. */
  readonly path: string | null;
  /** Exec: the binary's inode and device (as stat(2) st_dev reports it); null otherwise. */
  readonly inode: number | null;
  readonly dev: number | null;
}

export interface PolicyEgressEvent extends PolicyEventBase {
  readonly type: 'policy_egress';
}

export interface PolicyExecEvent extends PolicyEventBase {
  readonly type: 'policy_exec';
}

export interface PolicyFirewallEvent extends PolicyEventBase {
  readonly type: 'policy_firewall';
}

export type PolicyEvent = PolicyEgressEvent | PolicyExecEvent | PolicyFirewallEvent;
