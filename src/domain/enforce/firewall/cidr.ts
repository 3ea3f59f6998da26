/**
 * CIDR prefixes as firewall rules hold them ({ family, addr, prefix }), over
 * the one IP parser (net/ip.ts), with the firewall's own messages: a prefix
 * with host bits set is refused, so "10.0.0.1/8" cannot silently mean a
 * whole /8.
 */
import {
  addrBytes,
  type Family,
  formatAddr,
  maskBytes,
  parseIp as parseIpBytes,
  readCidr,
  samePrefix,
} from '../../net/ip.ts';

export { addrBytes, type Family, formatAddr, samePrefix };

export interface Cidr {
  readonly family: Family;
  /** Network bytes: 4 (IPv4) or 16 (IPv6), host bits zero. */
  readonly addr: Uint8Array;
  readonly prefix: number;
}

/** An IPv4 or IPv6 address (surrounding blanks ignored), or undefined. */
export function parseIp(s: string): { family: Family; addr: Uint8Array } | undefined {
  const ip = parseIpBytes(s.trim());
  return ip ? { family: ip.family, addr: ip.bytes } : undefined;
}

/** Copy of addr with everything after the first `bits` bits zeroed. */
export const truncate = maskBytes;

export type CidrResult =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly error: string };

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). */
export function parseCidr(text: string): CidrResult {
  // Blanks before the "/" have always been accepted here ("10.0.0.0 /8").
  const s = text.trim();
  const slash = s.indexOf('/');
  const r = readCidr(slash < 0 ? s : `${s.slice(0, slash).trim()}${s.slice(slash)}`);
  if ('cidr' in r)
    return { ok: true, cidr: { family: r.cidr.family, addr: r.cidr.bytes, prefix: r.cidr.prefixLen } };
  switch (r.problem) {
    case 'address': {
      const expected =
        'expected an IPv4 or IPv6 address or prefix, e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32';
      return { ok: false, error: `"${text}" is not an IP address or CIDR prefix (${expected})` };
    }
    case 'prefix':
      return { ok: false, error: `"${text}": the prefix length must be 0 to ${r.max} for IPv${r.family}` };
    case 'host-bits': {
      const n = r.network;
      return {
        ok: false,
        error: `"${text}" has host bits set after /${n.prefixLen}; did you mean ${formatAddr(n.family, n.bytes)}/${n.prefixLen}?`,
      };
    }
  }
}

export function formatCidr(c: Cidr): string {
  return `${formatAddr(c.family, c.addr)}/${c.prefix}`;
}

/** True when addr (same family) lies in c. */
export function cidrContains(c: Cidr, addr: Uint8Array): boolean {
  return samePrefix(c.addr, addr, c.prefix);
}
