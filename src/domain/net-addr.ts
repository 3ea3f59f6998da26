/**
 * Socket addresses as text. The kernel records 16 address bytes and the
 * socket's family; an IPv6 socket talking IPv4 holds IPv4-mapped addresses
 * (::ffff:a.b.c.d), which read as the IPv4 address they are.
 */
import { formatIpv4, formatIpv6 } from './decode/ip.ts';

const AF_INET = 2;
const AF_INET6 = 10;

export interface NetAddr {
  /** IP version of the address as shown: 4 for IPv4 and IPv4-mapped IPv6. */
  readonly version: 4 | 6;
  readonly text: string;
}

/** True when the 16 bytes at off are ::ffff:a.b.c.d. */
export function isIpv4Mapped(bytes: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (bytes[off + i] !== 0) return false;
  return bytes[off + 10] === 0xff && bytes[off + 11] === 0xff;
}

/** The address of an address family (AF_INET: 4 bytes, AF_INET6: 16) at off,
 * or null for any other family. */
export function formatNetAddr(family: number, bytes: Uint8Array, off: number): NetAddr | null {
  if (family === AF_INET) return { version: 4, text: formatIpv4(bytes, off) };
  if (family !== AF_INET6) return null;
  if (isIpv4Mapped(bytes, off)) return { version: 4, text: formatIpv4(bytes, off + 12) };
  return { version: 6, text: formatIpv6(bytes, off) };
}
