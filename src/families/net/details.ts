/**
 * DETAILS of a network event: protocol, the two ends with an arrow in the
 * direction the connection was opened, then what the event adds (bytes and
 * duration at close, the call's result). Pure.
 */

import { formatDuration } from '../../domain/format-duration.ts';
import type { Stored } from '../event-table.ts';
import { resultText } from '../file/details.ts';
import type { NetEvent } from './events.ts';

type StoredNet = Stored<NetEvent>;

/** TCP transitions in softirq context name no process (see TcpOwner). */
const OWNER_UNKNOWN = '(owner unknown)';

/** `1.2.3.4:80`, `[::1]:80`. */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function flow(e: StoredNet): string {
  const local = endpointText(e.localAddr, e.localPort);
  const remote = endpointText(e.remoteAddr, e.remotePort);
  const arrow = e.direction === 'outbound' ? '→' : e.direction === 'inbound' ? '←' : '↔';
  return `${e.protocol} ${local} ${arrow} ${remote}`;
}

export function netDetails(e: StoredNet): string {
  const parts = [flow(e)];
  switch (e.type) {
    case 'tcp_connect':
    case 'tcp_accept':
      if (!e.ownerKnown) parts.push(OWNER_UNKNOWN);
      break;
    case 'tcp_close':
      if (e.bytesSent !== null) parts.push(`sent=${e.bytesSent}`);
      if (e.bytesReceived !== null) parts.push(`received=${e.bytesReceived}`);
      if (e.durationNs !== null) parts.push(`duration=${formatDuration(e.durationNs)}`);
      parts.push(`from=${e.closedFrom}`);
      if (!e.ownerKnown) parts.push(OWNER_UNKNOWN);
      break;
    case 'connect':
      parts.push(resultText(e.result));
      break;
    case 'udp_send':
      parts.push(`${e.bytes}${e.bytesPartial ? '+' : ''} bytes`, resultText(e.result));
      break;
  }
  return parts.join(' ');
}
