/** IP addresses from record bytes, as text (RFC 5952 for IPv6). */

/** Dotted quad of the 4 bytes at off. */
export function formatIpv4(bytes: Uint8Array, off: number): string {
  return `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
}

/** Canonical IPv6 text of the 16 bytes at off: lower-case hex, the longest run of
 * two or more zero groups as '::' (the first such run on a tie), IPv4-mapped
 * addresses as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[off + 2 * i]! << 8) | bytes[off + 2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** The address of an IP version (4 or 6) at off, or null for any other version. */
export function formatIp(version: number, bytes: Uint8Array, off: number): string | null {
  if (version === 4) return formatIpv4(bytes, off);
  if (version === 6) return formatIpv6(bytes, off);
  return null;
}
