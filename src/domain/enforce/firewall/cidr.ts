/**
 * IP addresses and CIDR prefixes for firewall rules: parsed strictly (a
 * prefix with host bits set is refused, so "10.0.0.1/8" cannot silently mean
 * a whole /8), held as bytes (4 for IPv4, 16 for IPv6), printed canonically.
 */
import { formatIpv4, formatIpv6 } from '../../decode/ip.ts';

export type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  /** Network bytes: 4 (IPv4) or 16 (IPv6), host bits zero. */
  readonly addr: Uint8Array;
  readonly prefix: number;
}

export const addrBytes = (f: Family): number => (f === 4 ? 4 : 16);

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // No leading zeros: "010" reads as octal in some tools, decimal in others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  if (s.includes('%')) return undefined; // zone ids name a link, not an address
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** An IPv4 or IPv6 address, or undefined. */
export function parseIp(s: string): { family: Family; addr: Uint8Array } | undefined {
  const t = s.trim();
  const v4 = parseIpv4(t);
  if (v4) return { family: 4, addr: v4 };
  const v6 = t.includes(':') ? parseIpv6(t) : undefined;
  return v6 ? { family: 6, addr: v6 } : undefined;
}

export function formatAddr(family: Family, addr: Uint8Array): string {
  return family === 4 ? formatIpv4(addr, 0) : formatIpv6(addr, 0);
}

/** True when the first `bits` bits of a and b agree. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole]! ^ b[whole]!) & mask) === 0;
}

/** Copy of addr with everything after the first `bits` bits zeroed. */
export function truncate(addr: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(addr.length);
  const whole = bits >> 3;
  out.set(addr.subarray(0, whole));
  const rest = bits & 7;
  if (rest && whole < addr.length) out[whole] = addr[whole]! & ((0xff << (8 - rest)) & 0xff);
  return out;
}

export type CidrResult =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly error: string };

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). */
export function parseCidr(text: string): CidrResult {
  const s = text.trim();
  const slash = s.indexOf('/');
  const ipText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(ipText);
  const expected = 'expected an IPv4 or IPv6 address or prefix, e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32';
  if (!ip) return { ok: false, error: `"${text}" is not an IP address or CIDR prefix (${expected})` };
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) {
      return { ok: false, error: `"${text}": the prefix length must be 0 to ${max} for IPv${ip.family}` };
    }
    prefix = Number(p);
  }
  const net = truncate(ip.addr, prefix);
  if (!samePrefix(net, ip.addr, max)) {
    return {
      ok: false,
      error: `"${text}" has host bits set after /${prefix}; did you mean ${formatAddr(ip.family, net)}/${prefix}?`,
    };
  }
  return { ok: true, cidr: { family: ip.family, addr: net, prefix } };
}

export function formatCidr(c: Cidr): string {
  return `${formatAddr(c.family, c.addr)}/${c.prefix}`;
}

/** True when addr (same family) lies in c. */
export function cidrContains(c: Cidr, addr: Uint8Array): boolean {
  return samePrefix(c.addr, addr, c.prefix);
}
