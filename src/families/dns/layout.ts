/** Layout of the DNS monitor's record (bpf/include/dns.h). */
import { HEADER } from '../../domain/layout/header.ts';
import { layout } from '../../domain/layout/struct.ts';

export const DNS_TYPE_ID = 40; // BW_EV_DNS
export const DNS_PAYLOAD_MAX = 512;
export const DNS_PORT = 53;
export const DNS_INGRESS = 0;
export const DNS_EGRESS = 1;

export const DNS = layout('bw_dns_event', [
  ['hdr', HEADER.size, 8],
  ['ifindex', 4],
  ['dns_len', 2],
  ['captured', 2],
  ['sport', 2],
  ['dport', 2],
  ['ip_version', 1],
  ['direction', 1],
  ['_pad', 2, 1],
  ['saddr', 16, 1],
  ['daddr', 16, 1],
  ['payload', DNS_PAYLOAD_MAX, 1],
]);

export const DNS_LAYOUTS = [DNS] as const;
