/** Packet drop events: an skb the kernel freed as dropped, with its reason. */
import type { EventBase } from '../../domain/event-base.ts';

export const DROP_EVENT_TYPES = ['drop'] as const;

export interface DropEvent extends EventBase {
  readonly type: 'drop';
  /** enum skb_drop_reason value as the kernel reported it. */
  readonly reason: number;
  /** Its name from the running kernel's BTF without the SKB_DROP_REASON_ prefix (e.g. NO_SOCKET). */
  readonly reasonName: string;
  /** Kernel address that freed the skb, as 0x-prefixed hex (exact: addresses exceed 2^53). */
  readonly location: string;
  /** Bytes in the skb. */
  readonly len: number;
  /** Interface index, 0 when unknown. */
  readonly ifindex: number;
  /** Interface name, null when the skb's device could not be trusted. */
  readonly ifname: string | null;
  /** Network namespace inode, 0 when unknown. */
  readonly netns: number;
  /** Ethertype (0x0800 IPv4, 0x86dd IPv6). */
  readonly protocol: number;
  readonly ipVersion: 4 | 6 | null;
  /** IP protocol number of the transport (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), null when not parsed. */
  readonly l4Proto: number | null;
  readonly saddr: string | null;
  /** Destination address: the remote end for packets sent, this host for packets received. */
  readonly daddr: string | null;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
}
