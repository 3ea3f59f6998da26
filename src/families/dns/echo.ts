/**
 * One record per datagram for DNS between two local sockets in different
 * network namespaces (a veth pair, a container's resolver): the cgroup_skb
 * programs see it leave the sender (egress, with its pid) and arrive at the
 * receiver (ingress, pid 0). The arrival adds nothing the departure did not
 * say, so it is recognised here and skipped. A datagram is recognised by its
 * addresses, ports, length and captured bytes; each departure excuses one
 * arrival (retransmissions are distinct), for a short while only, and the
 * table is bounded. Pure: time is passed in.
 */
import { DNS } from './layout.ts';

export interface DnsEchoOptions {
  /** Departures remembered at most. */
  readonly maxEntries?: number;
  /** How long after its departure an arrival counts as the same datagram, ns of the kernel clock. */
  readonly windowNs?: number;
}

export const DEFAULT_ECHO_ENTRIES = 8192;
/** Local delivery takes microseconds; a second leaves room for a loaded host. */
export const DEFAULT_ECHO_WINDOW_NS = 1_000_000_000;

interface Departure {
  count: number;
  atNs: number;
}

const F = DNS.fields;

export class DnsEchoFilter {
  readonly #max: number;
  readonly #windowNs: number;
  // Insertion order: the first key is the oldest departure.
  readonly #sent = new Map<string, Departure>();

  constructor(opts: DnsEchoOptions = {}) {
    this.#max = Math.max(1, opts.maxEntries ?? DEFAULT_ECHO_ENTRIES);
    this.#windowNs = opts.windowNs ?? DEFAULT_ECHO_WINDOW_NS;
  }

  get size(): number {
    return this.#sent.size;
  }

  /** Remembers a datagram a local socket sent (the record at `off`). */
  departed(bytes: Uint8Array, off: number, atNs: number): void {
    const k = datagramKey(bytes, off);
    const d = this.#sent.get(k);
    this.#sent.delete(k);
    this.#sent.set(k, { count: (d?.count ?? 0) + 1, atNs });
    this.#expire(atNs);
    while (this.#sent.size > this.#max) {
      const oldest = this.#sent.keys().next().value;
      if (oldest === undefined) break;
      this.#sent.delete(oldest);
    }
  }

  /** True when this arriving datagram is one a local socket was seen sending: skip it. */
  isEcho(bytes: Uint8Array, off: number, atNs: number): boolean {
    this.#expire(atNs);
    const k = datagramKey(bytes, off);
    const d = this.#sent.get(k);
    if (!d) return false;
    if (--d.count === 0) this.#sent.delete(k);
    return true;
  }

  #expire(nowNs: number): void {
    for (const [k, d] of this.#sent) {
      if (nowNs - d.atNs <= this.#windowNs) break; // the rest are younger
      this.#sent.delete(k);
    }
  }
}

/** Addresses, ports and length exactly; the captured message by a 32-bit hash. */
function datagramKey(bytes: Uint8Array, off: number): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const captured = Math.min(v.getUint16(off + F.captured.offset, true), F.payload.size);
  let h = 0x811c9dc5;
  const p = off + F.payload.offset;
  for (let i = 0; i < captured; i++) h = Math.imul(h ^ bytes[p + i]!, 0x01000193);
  const a = off + F.saddr.offset;
  const addrs = String.fromCharCode(...bytes.subarray(a, a + 32));
  return `${bytes[off + F.ip_version.offset]}|${addrs}|${v.getUint16(off + F.sport.offset, true)}|${v.getUint16(off + F.dport.offset, true)}|${v.getUint16(off + F.dns_len.offset, true)}|${h >>> 0}`;
}
