/** Builds DNS messages for tests, independently of the parser under test. */

export const TYPE = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;

export function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    const bytes = [...Buffer.from(label, 'latin1')];
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [...u16(Math.floor(n / 65536)), ...u16(n % 65536)];

export interface Rr {
  /** Owner: a name, or raw bytes (e.g. a compression pointer [0xc0, 12]). */
  readonly name: string | number[];
  readonly type: number;
  readonly ttl?: number;
  /** Raw rdata. */
  readonly rdata: number[];
}

export function ipv4(addr: string): number[] {
  return addr.split('.').map(Number);
}

export function ipv6(groups: number[]): number[] {
  return groups.flatMap(u16);
}

export function rr(r: Rr): number[] {
  const owner = typeof r.name === 'string' ? encodeName(r.name) : r.name;
  return [...owner, ...u16(r.type), ...u16(1), ...u32(r.ttl ?? 60), ...u16(r.rdata.length), ...r.rdata];
}

export interface MessageSpec {
  readonly id: number;
  readonly response?: boolean;
  readonly rcode?: number;
  readonly tc?: boolean;
  readonly questions?: readonly { name: string; type: number }[];
  readonly answers?: readonly Rr[];
  /** Counts to claim in the header instead of the real ones. */
  readonly qdcount?: number;
  readonly ancount?: number;
}

export function message(m: MessageSpec): Uint8Array {
  const questions = m.questions ?? [];
  const answers = m.answers ?? [];
  let flags = 0x0100; // RD
  if (m.response) flags |= 0x8080; // QR, RA
  if (m.tc) flags |= 0x0200;
  flags |= (m.rcode ?? 0) & 0xf;
  const bytes = [
    ...u16(m.id),
    ...u16(flags),
    ...u16(m.qdcount ?? questions.length),
    ...u16(m.ancount ?? answers.length),
    ...u16(0),
    ...u16(0),
    ...questions.flatMap((q) => [...encodeName(q.name), ...u16(q.type), ...u16(1)]),
    ...answers.flatMap(rr),
  ];
  return Uint8Array.from(bytes);
}

/** The first question of a query: its name and type, by hand (no compression in queries). */
export function questionOf(q: Uint8Array): { id: number; name: string; type: number; end: number } | null {
  if (q.length < 12) return null;
  const labels: string[] = [];
  let pos = 12;
  while (pos < q.length && q[pos] !== 0) {
    const len = q[pos]!;
    labels.push(Buffer.from(q.subarray(pos + 1, pos + 1 + len)).toString('latin1'));
    pos += 1 + len;
  }
  if (pos + 5 > q.length) return null;
  return {
    id: (q[0]! << 8) | q[1]!,
    name: labels.join('.'),
    type: (q[pos + 1]! << 8) | q[pos + 2]!,
    end: pos + 5,
  };
}
