/**
 * Links DNS answers to the process that asked: a query seen on egress
 * carries the sender's pid; its answer carries the same DNS id to the same
 * client port. Bounded (oldest forgotten first) and expiring, so a flood of
 * unanswered queries costs a fixed amount of memory. Pure: time is passed in.
 */

export interface DnsLinkOptions {
  /** Queries remembered at most. */
  readonly maxEntries?: number;
  /** How long a query waits for its answer, in nanoseconds of the kernel clock. */
  readonly ttlNs?: number;
}

export const DEFAULT_LINK_ENTRIES = 8192;
export const DEFAULT_LINK_TTL_NS = 30_000_000_000;

interface Pending {
  readonly pid: number;
  readonly atNs: number;
}

export class DnsQueryLinker {
  readonly #max: number;
  readonly #ttlNs: number;
  // Map keeps insertion order: the first key is the oldest query.
  readonly #pending = new Map<number, Pending>();

  constructor(opts: DnsLinkOptions = {}) {
    this.#max = Math.max(1, opts.maxEntries ?? DEFAULT_LINK_ENTRIES);
    this.#ttlNs = opts.ttlNs ?? DEFAULT_LINK_TTL_NS;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Remembers that `pid` sent query `id` from `clientPort` at `atNs`. */
  query(id: number, clientPort: number, pid: number, atNs: number): void {
    const k = key(id, clientPort);
    // Re-inserting moves a retransmitted query to the young end.
    this.#pending.delete(k);
    this.#pending.set(k, { pid, atNs });
    this.#expire(atNs);
    while (this.#pending.size > this.#max) {
      const oldest = this.#pending.keys().next().value;
      if (oldest === undefined) break;
      this.#pending.delete(oldest);
    }
  }

  /** The pid that sent the query this answers, or null. Kept until it expires: answers may repeat. */
  answer(id: number, clientPort: number, atNs: number): number | null {
    this.#expire(atNs);
    return this.#pending.get(key(id, clientPort))?.pid ?? null;
  }

  #expire(nowNs: number): void {
    for (const [k, p] of this.#pending) {
      if (nowNs - p.atNs <= this.#ttlNs) break; // the rest are younger
      this.#pending.delete(k);
    }
  }
}

function key(id: number, clientPort: number): number {
  return (id & 0xffff) * 65536 + (clientPort & 0xffff);
}
