/** Layouts of the network monitor's records (bpf/include/net.h). */
import { HEADER } from '../../domain/layout/header.ts';
import { layout } from '../../domain/layout/struct.ts';

/** Event type numbers (enum bw_event_type). */
export const NetEventTypeId = {
  tcp_connect: 20,
  tcp_accept: 21,
  tcp_close: 22,
  connect: 23,
  udp_send: 24,
} as const;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Record flags (BW_NET_*). */
export const NET_OWNER_KNOWN = 0x1;
export const NET_BYTES_KNOWN = 0x2;
export const NET_DURATION_KNOWN = 0x4;
export const NET_OUTBOUND = 0x8;
export const NET_INBOUND = 0x10;
export const NET_BYTES_PARTIAL = 0x20;

export const ADDR_LEN = 16;

export const TCP_EVENT = layout('bw_tcp_event', [
  ['hdr', HEADER.size, 8],
  ['bytes_sent', 8],
  ['bytes_received', 8],
  ['duration_ns', 8],
  ['family', 2],
  ['local_port', 2],
  ['remote_port', 2],
  ['flags', 1],
  ['old_state', 1],
  ['local_addr', ADDR_LEN, 1],
  ['remote_addr', ADDR_LEN, 1],
]);

export const SOCKADDR_EVENT = layout('bw_sockaddr_event', [
  ['hdr', HEADER.size, 8],
  ['result', 8],
  ['bytes', 8],
  ['family', 2],
  ['local_port', 2],
  ['remote_port', 2],
  ['protocol', 1],
  ['flags', 1],
  ['local_addr', ADDR_LEN, 1],
  ['remote_addr', ADDR_LEN, 1],
]);

export const NET_LAYOUTS = [TCP_EVENT, SOCKADDR_EVENT] as const;

/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
export const TCP_STATES: readonly string[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];
