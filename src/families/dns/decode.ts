/** Decodes DNS monitor records (a UDP datagram to or from port 53) into query and answer events. */
import type { BootClock } from '../../domain/clock.ts';
import { formatIp } from '../../domain/decode/ip.ts';
import { HEADER } from '../../domain/layout/header.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, headerTypeId } from '../header.ts';
import { DnsEchoFilter } from './echo.ts';
import type { DnsEvent } from './events.ts';
import { DNS, DNS_EGRESS, DNS_PORT, DNS_TYPE_ID } from './layout.ts';
import { DnsQueryLinker } from './link.ts';
import { dnsRcodeName, dnsTypeName, parseDnsMessage } from './message.ts';

const F = DNS.fields;

export type DnsDecodeResult = DnsEvent | { readonly error: string };

export type DnsDecoderSpec = DecoderSpecOf<'dns'>;

export function dnsDecoder(_spec: DnsDecoderSpec, clock: BootClock): RecordDecoder<DnsEvent> {
  return linkingDnsDecoder(clock, new DnsQueryLinker());
}

/**
 * Decoder that also links DNS answers to the pid of their query, and skips
 * the arrival of a datagram already reported leaving a local socket (DNS
 * between network namespaces of this host: one record per datagram).
 */
export function linkingDnsDecoder(
  clock: BootClock,
  linker: DnsQueryLinker,
  echoes: DnsEchoFilter = new DnsEchoFilter(),
): RecordDecoder<DnsEvent> {
  return (bytes, view, off, size) => {
    const e = decodeDnsRecord(bytes, view, off, size, clock);
    if ('error' in e) return e;
    if (e.direction === 'egress') echoes.departed(bytes, off, e.ktimeNs);
    else if (echoes.isEcho(bytes, off, e.ktimeNs)) return null;
    if (e.type === 'dns_query') {
      // Only egress knows the sender: ingress queries (this host serving DNS) have no pid.
      if (e.direction === 'egress' && e.pid > 0) linker.query(e.dnsId, e.clientPort, e.pid, e.ktimeNs);
      return e;
    }
    return { ...e, queryPid: linker.answer(e.dnsId, e.clientPort, e.ktimeNs) };
  };
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw; a
 * datagram that is not readable DNS still gives an event (name '', truncated). */
export function decodeDnsRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
): DnsDecodeResult {
  if (off < 0 || off + size > bytes.length) return { error: `record of ${size} bytes overruns its batch` };
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  if (typeId !== DNS_TYPE_ID) return { error: `unknown dns event type ${typeId}` };
  if (size < DNS.size) return { error: `dns record of ${size} bytes, expected ${DNS.size}` };
  const version = bytes[off + F.ip_version.offset]!;
  const saddr = formatIp(version, bytes, off + F.saddr.offset);
  const daddr = formatIp(version, bytes, off + F.daddr.offset);
  if (saddr === null || daddr === null) return { error: `dns record with IP version ${version}` };
  const sport = v.getUint16(off + F.sport.offset, true);
  const dport = v.getUint16(off + F.dport.offset, true);
  const dnsLen = v.getUint16(off + F.dns_len.offset, true);
  const captured = Math.min(v.getUint16(off + F.captured.offset, true), F.payload.size);
  const msg = parseDnsMessage(bytes, off + F.payload.offset, captured);
  // Unreadable messages: the port says which way it went.
  const isAnswer = msg ? msg.header.qr : dport !== DNS_PORT;
  const server = isAnswer ? { addr: saddr, port: sport } : { addr: daddr, port: dport };
  const client = isAnswer ? { addr: daddr, port: dport } : { addr: saddr, port: sport };
  const q = msg?.questions[0];
  const common = {
    dnsId: msg?.header.id ?? 0,
    name: q?.name ?? '',
    qtype: q?.type ?? 0,
    qtypeName: q ? dnsTypeName(q.type) : '',
    serverAddr: server.addr,
    serverPort: server.port,
    clientAddr: client.addr,
    clientPort: client.port,
    ifindex: v.getUint32(off + F.ifindex.offset, true),
    direction: bytes[off + F.direction.offset] === DNS_EGRESS ? ('egress' as const) : ('ingress' as const),
    truncated: !msg?.complete || msg.header.tc || captured < dnsLen,
  };
  if (!isAnswer) return { ...decodeHeader(bytes, v, off, 'dns_query', clock), type: 'dns_query', ...common };
  const rcode = msg?.header.rcode ?? 0;
  return {
    ...decodeHeader(bytes, v, off, 'dns_answer', clock),
    type: 'dns_answer',
    ...common,
    rcode,
    rcodeName: msg ? dnsRcodeName(rcode) : '',
    answers: (msg?.answers ?? []).map((a) => ({ type: dnsTypeName(a.type), ttl: a.ttl, data: a.data })),
    queryPid: null,
  };
}
