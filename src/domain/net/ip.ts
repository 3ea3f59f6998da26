/**
 * IP addresses and CIDR prefixes as bytes, parsed from text: the one parser
 * behind the firewall's and the policy's rules. Strict (no leading zeros, no
 * zone ids, host bits of a prefix must be clear), and it accepts exactly what
 * node:net accepts. Pure.
 */
import { formatIpv4, formatIpv6 } from '../decode/ip.ts';

export type Family = 4 | 6;

export const addrBytes = (f: Family): number => (f === 4 ? 4 : 16);

export interface IpAddress {
  readonly family: Family;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  /** 0..32 (IPv4) or 0..128 (IPv6). */
  readonly prefixLen: number;
}

export function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // No leading zeros: "010" is octal to some tools and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

export function parseIpv6(s: string): Uint8Array | null {
  if (s.includes('%')) return null; // zone ids name an interface, not a destination
  let text = s;
  let v4: Uint8Array | null = null;
  if (text.includes('.')) {
    // Trailing dotted IPv4 (::ffff:1.2.3.4): two groups' worth.
    const i = text.lastIndexOf(':');
    v4 = i < 0 ? null : parseIpv4(text.slice(i + 1));
    if (!v4) return null;
    text = text.endsWith('::', i + 1) ? text.slice(0, i + 1) : text.slice(0, i);
  }
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const need = v4 ? 6 : 8;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  let words: number[];
  if (halves.length === 1) {
    if (head.length !== need) return null;
    words = head;
  } else {
    const missing = need - head.length - tail.length;
    if (missing < 1) return null; // '::' stands for at least one zero group
    words = [...head, ...Array<number>(missing).fill(0), ...tail];
  }
  if (v4) words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export function parseIp(s: string): IpAddress | null {
  const v4 = parseIpv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(s);
  return v6 ? { family: 6, bytes: v6 } : null;
}

export function formatAddr(family: Family, bytes: Uint8Array): string {
  return family === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

export function formatAddress(a: IpAddress): string {
  return formatAddr(a.family, a.bytes);
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it is; others unchanged. */
export function unmapIpv4(a: IpAddress): IpAddress {
  if (a.family !== 6) return a;
  const b = a.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return a;
  if (b[10] !== 0xff || b[11] !== 0xff) return a;
  return { family: 4, bytes: b.slice(12, 16) };
}

/** The address with every bit after the first `len` cleared. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    out[i]! &= keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** What is wrong with a CIDR text, for each caller to word in its own terms. */
export type CidrProblem =
  | { readonly problem: 'address'; readonly addrText: string }
  | { readonly problem: 'prefix'; readonly lenText: string; readonly family: Family; readonly max: number }
  | { readonly problem: 'host-bits'; readonly text: string; readonly network: Cidr };

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (/32, /128), trimmed; host bits must be clear. */
export function readCidr(s: string): { readonly cidr: Cidr } | CidrProblem {
  const text = s.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIp(addrText);
  if (!addr) return { problem: 'address', addrText };
  const max = addr.family === 4 ? 32 : 128;
  let prefixLen = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      return { problem: 'prefix', lenText, family: addr.family, max };
    }
    prefixLen = Number(lenText);
  }
  const masked = maskBytes(addr.bytes, prefixLen);
  const cidr = { family: addr.family, bytes: masked, prefixLen };
  if (!masked.every((b, i) => b === addr.bytes[i])) return { problem: 'host-bits', text, network: cidr };
  return { cidr };
}

export type CidrResult = { readonly cidr: Cidr } | { readonly error: string };

/** readCidr with the problem as one sentence (the policy's wording). */
export function parseCidr(s: string): CidrResult {
  const r = readCidr(s);
  if ('cidr' in r) return r;
  switch (r.problem) {
    case 'address':
      return { error: `"${r.addrText}" is not an IPv4 or IPv6 address` };
    case 'prefix':
      return { error: `prefix length "${r.lenText}" must be an integer from 0 to ${r.max}` };
    case 'host-bits':
      return { error: `${r.text} has host bits set; did you mean ${formatCidr(r.network)}?` };
  }
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c)}/${c.prefixLen}`;
}

/** True when the first `len` bits of a and b agree. */
export function samePrefix(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let bit = 0; bit < len; bit += 8) {
    const n = Math.min(8, len - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if ((a[bit / 8]! & mask) !== (b[bit / 8]! & mask)) return false;
  }
  return true;
}

/** outer ⊇ inner (same family, outer no longer than inner, same leading bits). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefixLen <= inner.prefixLen &&
    samePrefix(outer.bytes, inner.bytes, outer.prefixLen)
  );
}

export function cidrContainsAddress(c: Cidr, a: IpAddress): boolean {
  return c.family === a.family && samePrefix(c.bytes, a.bytes, c.prefixLen);
}
