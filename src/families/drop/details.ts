/** DETAILS of a packet drop: reason, flow, interface, kernel location. Pure. */
import type { Stored } from '../event-table.ts';
import type { DropEvent } from './events.ts';

type StoredDrop = Stored<DropEvent>;

const L4_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function endpoint(addr: string, port: number | null): string {
  if (port === null) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function dropDetails(e: StoredDrop): string {
  const parts = [e.reasonName];
  if (e.l4Proto !== null) parts.push(L4_NAMES[e.l4Proto] ?? `proto=${e.l4Proto}`);
  else if (e.protocol !== 0) parts.push(`ethertype=0x${e.protocol.toString(16).padStart(4, '0')}`);
  if (e.saddr !== null && e.daddr !== null) {
    parts.push(`${endpoint(e.saddr, e.sport)} → ${endpoint(e.daddr, e.dport)}`);
  }
  if (e.icmpType !== null) parts.push(`type=${e.icmpType} code=${e.icmpCode ?? 0}`);
  if (e.ifname) parts.push(`dev=${e.ifname}`);
  else if (e.ifindex !== 0) parts.push(`ifindex=${e.ifindex}`);
  parts.push(`len=${e.len}`, `at ${e.location}`);
  return parts.join(' ');
}
