/**
 * A defensive parser of the DNS wire format (RFC 1035): header, questions
 * and answer records (A, AAAA, CNAME and other names in full; other types
 * by type and TTL). It reads untrusted bytes, possibly cut short: every
 * read is bounds-checked, compression pointers are followed a bounded
 * number of times, and it never throws; what could not be read is left out
 * and `complete` says so. Pure.
 */
import { formatIpv4, formatIpv6 } from '../../domain/decode/ip.ts';

export interface DnsHeader {
  readonly id: number;
  /** True for a response. */
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  /** Truncated: the server had more than fit. */
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** Address text (A, AAAA), target name (CNAME, NS, PTR, DNAME), else null. */
  readonly data: string | null;
}

export interface DnsMessage {
  readonly header: DnsHeader;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  /** Every question and answer the header counts was read in full. */
  readonly complete: boolean;
}

export const DNS_HEADER_LEN = 12;
/** Most pointers one name may follow (real names need a handful). */
const MAX_POINTERS = 16;
const MAX_NAME_LEN = 255;
/** Bounds on work per message, whatever the header claims. */
const MAX_QUESTIONS = 8;
const MAX_ANSWERS = 64;

export const DnsType = { A: 1, NS: 2, CNAME: 5, PTR: 12, AAAA: 28, DNAME: 39 } as const;

// IANA DNS parameters (protocol constants, not kernel data).
const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  50: 'NSEC3',
  52: 'TLSA',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};

const RCODE_NAMES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** A, AAAA, ...; unknown types as TYPEn (RFC 3597). */
export function dnsTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

/** NOERROR, NXDOMAIN, ...; unknown codes as RCODEn. */
export function dnsRcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

interface Reader {
  readonly b: Uint8Array;
  /** Message start and end (exclusive) in b. */
  readonly start: number;
  readonly end: number;
}

const u16 = (r: Reader, at: number): number => (r.b[at]! << 8) | r.b[at + 1]!;
const u32 = (r: Reader, at: number): number => u16(r, at) * 65536 + u16(r, at + 2);

/** The name at `at` and the offset after it (after the first pointer when compressed), or null. */
function readName(r: Reader, at: number): { name: string; next: number } | null {
  const labels: string[] = [];
  let pos = at;
  let next = -1;
  let pointers = 0;
  let length = 0;
  for (;;) {
    if (pos >= r.end) return null;
    const len = r.b[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= r.end || ++pointers > MAX_POINTERS) return null;
      if (next < 0) next = pos + 2;
      pos = r.start + (((len & 0x3f) << 8) | r.b[pos + 1]!);
      continue;
    }
    if (kind !== 0) return null; // 0x40 and 0x80 label types are obsolete or reserved
    if (pos + 1 + len > r.end) return null;
    length += len + 1;
    if (length > MAX_NAME_LEN) return null;
    labels.push(labelText(r.b, pos + 1, len));
    pos += 1 + len;
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), next };
}

/** Label bytes as presentation text: printable ASCII as is, '.' and '\' escaped, others as \DDD. */
function labelText(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len; i++) {
    const c = b[i]!;
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${String(c).padStart(3, '0')}`;
  }
  return s;
}

function readHeader(r: Reader): DnsHeader {
  const s = r.start;
  const flags = u16(r, s + 2);
  return {
    id: u16(r, s),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    qdcount: u16(r, s + 4),
    ancount: u16(r, s + 6),
    nscount: u16(r, s + 8),
    arcount: u16(r, s + 10),
  };
}

function rdataText(r: Reader, type: number, at: number, len: number): string | null {
  if (type === DnsType.A) return len === 4 ? formatIpv4(r.b, at) : null;
  if (type === DnsType.AAAA) return len === 16 ? formatIpv6(r.b, at) : null;
  if (type === DnsType.CNAME || type === DnsType.NS || type === DnsType.PTR || type === DnsType.DNAME) {
    // The target must lie inside the record's data, though pointers may reach back.
    const n = readName({ b: r.b, start: r.start, end: r.end }, at);
    return n && n.next <= at + len ? n.name : null;
  }
  return null;
}

/** Parses the message in bytes[off, off+len); null when it is shorter than a DNS header. */
export function parseDnsMessage(bytes: Uint8Array, off = 0, len = bytes.length - off): DnsMessage | null {
  const start = Math.max(0, Math.trunc(off));
  const end = Math.min(bytes.length, start + Math.max(0, Math.trunc(len)));
  if (end - start < DNS_HEADER_LEN) return null;
  const r: Reader = { b: bytes, start, end };
  const header = readHeader(r);
  const questions: DnsQuestion[] = [];
  const answers: DnsRecord[] = [];
  let pos = start + DNS_HEADER_LEN;
  let complete = header.qdcount <= MAX_QUESTIONS && header.ancount <= MAX_ANSWERS;
  for (let i = 0; i < Math.min(header.qdcount, MAX_QUESTIONS); i++) {
    const n = readName(r, pos);
    if (!n || n.next + 4 > end) {
      complete = false;
      break;
    }
    questions.push({ name: n.name, type: u16(r, n.next), class: u16(r, n.next + 2) });
    pos = n.next + 4;
  }
  if (questions.length === Math.min(header.qdcount, MAX_QUESTIONS)) {
    for (let i = 0; i < Math.min(header.ancount, MAX_ANSWERS); i++) {
      const n = readName(r, pos);
      if (!n || n.next + 10 > end) {
        complete = false;
        break;
      }
      const type = u16(r, n.next);
      const rdlen = u16(r, n.next + 8);
      const rdata = n.next + 10;
      if (rdata + rdlen > end) {
        complete = false;
        break;
      }
      answers.push({
        name: n.name,
        type,
        class: u16(r, n.next + 2),
        ttl: u32(r, n.next + 4),
        data: rdataText(r, type, rdata, rdlen),
      });
      pos = rdata + rdlen;
    }
  }
  return { header, questions, answers, complete };
}
