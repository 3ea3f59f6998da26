/** Layout of the packet drop monitor's record (bpf/include/drop.h). */
import { HEADER } from '../../domain/layout/header.ts';
import { layout } from '../../domain/layout/struct.ts';

export const DROP_TYPE_ID = 30; // BW_EV_DROP
export const IFNAMSIZ = 16;

export const DROP_L3 = 0x1;
export const DROP_PORTS = 0x2;
export const DROP_ICMP = 0x4;
export const DROP_NO_REASON = 0x8;
export const DROP_DEV = 0x10;

/** Index of the suppressed-by-rate-limit counter in drop_counters. */
export const DROP_CTR_SUPPRESSED = 0;

export const DROP = layout('bw_drop_event', [
  ['hdr', HEADER.size, 8],
  ['location', 8],
  ['reason', 4],
  ['len', 4],
  ['ifindex', 4],
  ['netns', 4],
  ['protocol', 2],
  ['ip_version', 1],
  ['l4_proto', 1],
  ['sport', 2],
  ['dport', 2],
  ['icmp_type', 1],
  ['icmp_code', 1],
  ['flags', 1],
  ['_pad', 1],
  ['saddr', 16, 1],
  ['daddr', 16, 1],
  ['ifname', IFNAMSIZ, 1],
]);

export const DROP_LAYOUTS = [DROP] as const;
