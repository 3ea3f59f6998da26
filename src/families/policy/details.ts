/** DETAILS of an enforcement decision: what was done, by which rule, to what. Pure. */
import type { Stored } from '../event-table.ts';
import type { PolicyEvent } from './events.ts';

type StoredPolicy = Stored<PolicyEvent>;

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function endpoint(addr: string, port: number | null): string {
  if (port === null || port === 0) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The verb: an exec denial is a kill, an egress denial an EPERM, a firewall denial a drop. */
function verb(e: StoredPolicy): string {
  if (e.action !== 'denied') return e.action;
  if (e.type === 'policy_exec') return 'killed';
  if (e.type === 'policy_firewall') return 'dropped';
  return 'denied';
}

export function policyDetails(e: StoredPolicy): string {
  const parts = [verb(e)];
  if (e.ruleId !== 0) parts.push(`rule=${e.ruleId}`);
  if (e.reason !== null && e.reason !== 'rule') parts.push(`reason=${e.reason}`);
  if (e.type === 'policy_exec') {
    if (e.path !== null) parts.push(e.path);
    if (e.inode !== null && e.inode !== 0) parts.push(`inode=${e.inode} dev=${e.dev ?? 0}`);
  } else {
    if (e.protocol !== null) parts.push(PROTOCOLS[e.protocol] ?? `proto=${e.protocol}`);
    if (e.srcAddr !== null && e.dstAddr !== null)
      parts.push(`${endpoint(e.srcAddr, e.srcPort)} → ${endpoint(e.dstAddr, e.dstPort)}`);
    else if (e.dstAddr !== null) parts.push(`→ ${endpoint(e.dstAddr, e.dstPort)}`);
    if (e.ifindex !== 0) parts.push(`ifindex=${e.ifindex}`);
  }
  if (e.suppressed > 0) parts.push(`(+${e.suppressed} suppressed)`);
  return parts.join(' ');
}
