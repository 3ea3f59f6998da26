/** DNS events: queries and answers seen on the host (UDP port 53). */
import type { EventBase } from '../../domain/event-base.ts';

export const DNS_EVENT_TYPES = ['dns_query', 'dns_answer'] as const;

export interface DnsAnswer {
  /** A, AAAA, CNAME, ... */
  readonly type: string;
  readonly ttl: number;
  /** Address (A, AAAA) or target name (CNAME, NS, PTR, DNAME); null for other types. */
  readonly data: string | null;
}

interface DnsEventBase extends EventBase {
  /** DNS message id (named so it cannot clash with a stored row's id). */
  readonly dnsId: number;
  /** The first question's name ('' when the message could not be read). */
  readonly name: string;
  readonly qtype: number;
  /** A, AAAA, ... (TYPEn when unnamed). */
  readonly qtypeName: string;
  /** The port 53 side. */
  readonly serverAddr: string;
  readonly serverPort: number;
  readonly clientAddr: string;
  readonly clientPort: number;
  /** Receiving interface of an ingress datagram; 0 on egress. */
  readonly ifindex: number;
  /** egress: sent by a local process (pid is the sender); ingress: received (pid 0). */
  readonly direction: 'egress' | 'ingress';
  /** The message was longer than the bytes captured, or could not be read in full. */
  readonly truncated: boolean;
}

export interface DnsQueryEvent extends DnsEventBase {
  readonly type: 'dns_query';
}

export interface DnsAnswerEvent extends DnsEventBase {
  readonly type: 'dns_answer';
  readonly rcode: number;
  /** NOERROR, NXDOMAIN, SERVFAIL, ... */
  readonly rcodeName: string;
  readonly answers: readonly DnsAnswer[];
  /** The pid that sent the matching query (same id and client port, seen on egress), when known. */
  readonly queryPid: number | null;
}

export type DnsEvent = DnsQueryEvent | DnsAnswerEvent;
