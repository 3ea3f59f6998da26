/** Decodes DNS monitor records (a UDP datagram to or from port 53) into query and answer events. */
import type { BootClock } from '../../domain/clock.ts';
import { decodeHeader, headerTypeId } from '../../domain/decode/header.ts';
import { formatIp } from '../../domain/decode/ip.ts';
import { HEADER } from '../../domain/layout/header.ts';
import type { DnsEvent } from './events.ts';
import { DNS, DNS_EGRESS, DNS_PORT, DNS_TYPE_ID } from './layout.ts';
import { dnsRcodeName, dnsTypeName, parseDnsMessage } from './message.ts';

const F = DNS.fields;

export type DnsDecodeResult = DnsEvent | { readonly error: string };

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
