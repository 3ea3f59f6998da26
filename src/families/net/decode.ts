/** Decodes network monitor records (TCP transitions, connect, UDP sends) into events. */
import type { BootClock } from '../../domain/clock.ts';
import { HEADER } from '../../domain/layout/header.ts';
import { formatNetAddr } from '../../domain/net-addr.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, headerTypeId, u64 } from '../header.ts';
import type { NetDirection, NetEndpoints, NetEvent, NetProtocol } from './events.ts';
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_BYTES_KNOWN,
  NET_BYTES_PARTIAL,
  NET_DURATION_KNOWN,
  NET_INBOUND,
  NET_OUTBOUND,
  NET_OWNER_KNOWN,
  NetEventTypeId,
  SOCKADDR_EVENT,
  TCP_EVENT,
  TCP_STATES,
} from './layout.ts';

const T = TCP_EVENT.fields;
const S = SOCKADDR_EVENT.fields;

export type NetDecodeResult = NetEvent | { readonly error: string };

export type NetDecoderSpec = DecoderSpecOf<'net'>;

export function netDecoder(_spec: NetDecoderSpec, clock: BootClock): RecordDecoder<NetEvent> {
  return (b, v, off, size) => decodeNetRecord(b, v, off, size, clock);
}

type Fields = typeof T | typeof S;

/** A little-endian s64 as a number (exact within ±2^53: results, byte counts, -errno). */
function s64(v: DataView, off: number): number {
  return v.getInt32(off + 4, true) * 4294967296 + v.getUint32(off, true);
}

function direction(flags: number): NetDirection {
  if (flags & NET_OUTBOUND) return 'outbound';
  if (flags & NET_INBOUND) return 'inbound';
  return 'unknown';
}

function protocolName(p: number): NetProtocol {
  return p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : 'unknown';
}

function endpoints(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  f: Fields,
  protocol: NetProtocol,
): NetEndpoints | { readonly error: string } {
  const family = v.getUint16(off + f.family.offset, true);
  const remote = formatNetAddr(family, bytes, off + f.remote_addr.offset);
  const local = formatNetAddr(family, bytes, off + f.local_addr.offset);
  if (!remote || !local) return { error: `unknown address family ${family}` };
  return {
    family: remote.version,
    protocol,
    direction: direction(bytes[off + f.flags.offset]!),
    localAddr: local.text,
    localPort: v.getUint16(off + f.local_port.offset, true),
    remoteAddr: remote.text,
    remotePort: v.getUint16(off + f.remote_port.offset, true),
  };
}

function decodeTcp(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  type: 'tcp_connect' | 'tcp_accept' | 'tcp_close',
  clock: BootClock,
): NetDecodeResult {
  if (size < TCP_EVENT.size) return { error: `${type} record of ${size} bytes, expected ${TCP_EVENT.size}` };
  const ends = endpoints(bytes, v, off, T, 'tcp');
  if ('error' in ends) return ends;
  const flags = bytes[off + T.flags.offset]!;
  const base = {
    ...decodeHeader(bytes, v, off, type, clock),
    ...ends,
    ownerKnown: (flags & NET_OWNER_KNOWN) !== 0,
  };
  if (type !== 'tcp_close') return { ...base, type };
  const bytesKnown = (flags & NET_BYTES_KNOWN) !== 0;
  const oldState = bytes[off + T.old_state.offset]!;
  return {
    ...base,
    type,
    bytesSent: bytesKnown ? u64(v, off + T.bytes_sent.offset) : null,
    bytesReceived: bytesKnown ? u64(v, off + T.bytes_received.offset) : null,
    durationNs: (flags & NET_DURATION_KNOWN) !== 0 ? u64(v, off + T.duration_ns.offset) : null,
    closedFrom: TCP_STATES[oldState] ?? String(oldState),
  };
}

function decodeSockaddr(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  type: 'connect' | 'udp_send',
  clock: BootClock,
): NetDecodeResult {
  if (size < SOCKADDR_EVENT.size) {
    return { error: `${type} record of ${size} bytes, expected ${SOCKADDR_EVENT.size}` };
  }
  const ends = endpoints(bytes, v, off, S, protocolName(bytes[off + S.protocol.offset]!));
  if ('error' in ends) return ends;
  const base = {
    ...decodeHeader(bytes, v, off, type, clock),
    ...ends,
    result: s64(v, off + S.result.offset),
  };
  if (type === 'connect') return { ...base, type };
  return {
    ...base,
    type,
    bytes: u64(v, off + S.bytes.offset),
    bytesPartial: (bytes[off + S.flags.offset]! & NET_BYTES_PARTIAL) !== 0,
  };
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw. */
export function decodeNetRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
): NetDecodeResult {
  if (off < 0 || off + size > bytes.length) return { error: `record of ${size} bytes overruns its batch` };
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  switch (typeId) {
    case NetEventTypeId.tcp_connect:
      return decodeTcp(bytes, v, off, size, 'tcp_connect', clock);
    case NetEventTypeId.tcp_accept:
      return decodeTcp(bytes, v, off, size, 'tcp_accept', clock);
    case NetEventTypeId.tcp_close:
      return decodeTcp(bytes, v, off, size, 'tcp_close', clock);
    case NetEventTypeId.connect:
      return decodeSockaddr(bytes, v, off, size, 'connect', clock);
    case NetEventTypeId.udp_send:
      return decodeSockaddr(bytes, v, off, size, 'udp_send', clock);
    default:
      return { error: `unknown network event type ${typeId}` };
  }
}
