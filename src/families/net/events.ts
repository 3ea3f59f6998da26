/** Network events: TCP connections established and closed, connect attempts, UDP sends. */
import type { EventBase } from '../../domain/event-base.ts';

export const NET_EVENT_TYPES = ['tcp_connect', 'tcp_accept', 'tcp_close', 'connect', 'udp_send'] as const;

export type NetProtocol = 'tcp' | 'udp' | 'unknown';
/** outbound: opened by connect() (or sent) here; inbound: accepted here; unknown: the open was not seen. */
export type NetDirection = 'outbound' | 'inbound' | 'unknown';

/** Both ends of a socket. Addresses as text; IPv4-mapped IPv6 reads as IPv4 (family 4). */
export interface NetEndpoints {
  /** IP version of the addresses. */
  readonly family: 4 | 6;
  readonly protocol: NetProtocol;
  readonly direction: NetDirection;
  readonly localAddr: string;
  /** 0 when the socket had no local port (yet). */
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
}

/**
 * TCP state transitions mostly run in softirq context, where no process is
 * current. ownerKnown says the pid..comm fields name the socket's process:
 * the connecting process, the accepting process (learned at accept(), so
 * never on tcp_accept itself), or else the process that closed it. When
 * false they are all zero/empty.
 */
export interface TcpOwner {
  readonly ownerKnown: boolean;
}

export interface TcpConnectEvent extends EventBase, NetEndpoints, TcpOwner {
  readonly type: 'tcp_connect';
}

export interface TcpAcceptEvent extends EventBase, NetEndpoints, TcpOwner {
  readonly type: 'tcp_accept';
}

export interface TcpCloseEvent extends EventBase, NetEndpoints, TcpOwner {
  readonly type: 'tcp_close';
  /** Payload bytes the peer acknowledged, or null when the kernel does not expose them. */
  readonly bytesSent: number | null;
  /** Payload bytes received in order, or null when the kernel does not expose them. */
  readonly bytesReceived: number | null;
  /** Nanoseconds since the connection was established, or null when that was not seen. */
  readonly durationNs: number | null;
  /** The TCP state the socket closed from (ESTABLISHED or CLOSE_WAIT: aborted, e.g. by a reset). */
  readonly closedFrom: string;
}

export interface ConnectEvent extends EventBase, NetEndpoints {
  readonly type: 'connect';
  /** connect()'s result: 0, or -errno (-111 refused, -115 in progress for non-blocking sockets). */
  readonly result: number;
}

export interface UdpSendEvent extends EventBase, NetEndpoints {
  readonly type: 'udp_send';
  /** Bytes the call asked to send (sendmsg: its first 16 iovecs, see bytesPartial). */
  readonly bytes: number;
  /** sendmsg with more than 16 iovecs: bytes counts only the first 16. */
  readonly bytesPartial: boolean;
  /** The call's result: bytes sent, or -errno. */
  readonly result: number;
}

export type NetEvent = TcpConnectEvent | TcpAcceptEvent | TcpCloseEvent | ConnectEvent | UdpSendEvent;
