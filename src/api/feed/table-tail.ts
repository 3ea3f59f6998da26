/**
 * Tails one table of the store for live streams. Rows are decoded and
 * committed by the store worker, so the only place the main thread can see
 * them is the database: one poller per table (not one query per client) reads
 * `id > cursor` on its own read-only connection every pollMs and hands each
 * subscriber the rows its filter matches. The live read pushes the union of
 * the subscribers' filters into SQL; each subscriber's own filter is applied
 * to what comes back.
 *
 * Memory is bounded per subscriber: a consumer that cannot keep up (its
 * deliver returned false and it has not resumed) gets rows queued up to
 * queueLimit, then is ended with END_LAGGED; others never wait for it. Rows
 * are read once per poll and shared: a subscriber whose filter takes a whole
 * read is handed (and queues) that read's array itself, so a queue costs a
 * reference per poll, not a copy per row. A
 * subscriber that starts behind the live cursor (resume) first reads its own
 * backlog, only as fast as it consumes, then joins the live read.
 */
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../store/database.ts';
import { END_CLOSED, END_ERROR, END_LAGGED, FeedError } from './errors.ts';

/** How one table is read and filtered. */
export interface TailSource<Row extends { readonly id: number }, Filter> {
  maxId(db: DatabaseSync): number;
  /** Rows with afterId < id <= throughId matching any filter (all when undefined), id order, at most limit. */
  read(
    db: DatabaseSync,
    afterId: number,
    throughId: number,
    filters: readonly Filter[] | undefined,
    limit: number,
  ): Row[];
  matches(filter: Filter, row: Row): boolean;
  /** True when the filter selects every row. */
  isAll(filter: Filter): boolean;
}

export interface TailOptions {
  /** The database file (opened read-only, only while someone is subscribed). */
  readonly database: string;
  /** Poll period, ms (default 100). */
  readonly pollMs?: number;
  /** Rows held for a subscriber whose consumer is busy, beyond which it is ended as lagged (default 10 000). */
  readonly queueLimit?: number;
  /** Rows per read and per delivery (default 1000). */
  readonly pageSize?: number;
  /** Rows read per poll at most, so one poll never holds the event loop long (default 5000, about 30 ms). */
  readonly maxRowsPerPoll?: number;
  /** Unread rows beyond which the live subscribers are ended as lagged and the cursor skips ahead (default 200 000). */
  readonly maxBehind?: number;
  /** A poll failed (reported once per run of failures; polling goes on). */
  readonly onError?: (err: unknown) => void;
}

export interface FeedHandlers<Row> {
  /** New rows, oldest first. Return false when the consumer is full; call the subscription's resume() once it drains. */
  deliver(rows: readonly Row[]): unknown;
  /** The subscription ended: END_LAGGED, END_CLOSED or END_ERROR. Not called on unsubscribe. */
  end(reason: string): void;
}

/** Calling it unsubscribes. */
export interface FeedSubscription {
  (): void;
  /** The consumer drained: deliver what is held and go on. */
  resume(): void;
}

interface Sub<Row, Filter> {
  readonly filter: Filter;
  readonly handlers: FeedHandlers<Row>;
  /** Every row with id <= position was offered (or did not match). */
  position: number;
  /** Deliveries held while the consumer is busy, oldest first (often the shared arrays of reads). */
  queue: (readonly Row[])[];
  /** Rows in queue. */
  queued: number;
  paused: boolean;
  delivering: boolean;
  done: boolean;
}

export class TableTail<Row extends { readonly id: number }, Filter> {
  readonly #source: TailSource<Row, Filter>;
  readonly #o: Required<Omit<TailOptions, 'onError'>> & Pick<TailOptions, 'onError'>;
  readonly #subs = new Set<Sub<Row, Filter>>();
  #db: DatabaseSync | undefined;
  #cursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #closed = false;
  #inTick = false;
  /** Polls run so far (for tests and diagnostics). */
  polls = 0;

  constructor(source: TailSource<Row, Filter>, options: TailOptions) {
    this.#source = source;
    this.#o = {
      pollMs: 100,
      queueLimit: 10_000,
      pageSize: 1000,
      maxRowsPerPoll: 5000,
      maxBehind: 200_000,
      ...options,
    };
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /** True while a poller runs (someone is subscribed). */
  get polling(): boolean {
    return this.#db !== undefined;
  }

  /** Rows after `after` (an id), or from now on when undefined. */
  subscribe(filter: Filter, handlers: FeedHandlers<Row>, after?: number): FeedSubscription {
    if (this.#closed) throw new FeedError('FEED_CLOSED', 'the live feed is closed');
    this.#open();
    const sub: Sub<Row, Filter> = {
      filter,
      handlers,
      position: after ?? this.#cursor,
      queue: [],
      queued: 0,
      paused: false,
      delivering: false,
      done: false,
    };
    this.#subs.add(sub);
    if (sub.position < this.#cursor) this.#schedule(0);
    else if (this.#timer === undefined && !this.#inTick) this.#schedule(this.#o.pollMs);
    const unsubscribe = (): void => this.#remove(sub);
    return Object.assign(unsubscribe, { resume: () => this.#resume(sub) });
  }

  /** Ends every subscription (END_CLOSED) and stops for good. */
  close(): void {
    this.#closed = true;
    for (const s of [...this.#subs]) this.#end(s, END_CLOSED);
    this.#idle();
  }

  #open(): DatabaseSync {
    if (this.#db) return this.#db;
    let db: DatabaseSync;
    try {
      db = openDatabase(this.#o.database, { readOnly: true });
      this.#cursor = this.#source.maxId(db);
    } catch (err) {
      throw new FeedError(
        'FEED_DB_UNAVAILABLE',
        `cannot read ${this.#o.database}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    this.#db = db;
    return db;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), ms);
  }

  #tick(): void {
    this.#timer = undefined;
    const db = this.#db;
    if (!db || this.#subs.size === 0) return;
    let more = false;
    this.#inTick = true;
    try {
      // One snapshot per poll: the newest id and the rows read agree.
      db.exec('BEGIN');
      try {
        more = this.#poll(db);
      } finally {
        db.exec('COMMIT');
      }
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#o.onError?.(err);
      this.#failing = true;
    } finally {
      this.#inTick = false;
    }
    this.polls++;
    if (this.#subs.size === 0) this.#idle();
    else if (this.#timer === undefined || more) this.#schedule(more ? 0 : this.#o.pollMs);
  }

  /** One poll; true when the row budget ran out with more to read. */
  #poll(db: DatabaseSync): boolean {
    const { pageSize, maxBehind } = this.#o;
    const top = this.#source.maxId(db);
    let budget = this.#o.maxRowsPerPoll;
    if (top - this.#cursor > maxBehind) {
      for (const s of this.#live()) this.#end(s, END_LAGGED);
      this.#cursor = top;
    }
    while (this.#cursor < top && budget > 0) {
      const live = this.#live();
      if (live.length === 0) {
        this.#cursor = top;
        break;
      }
      const filters = live.some((s) => this.#source.isAll(s.filter)) ? undefined : live.map((s) => s.filter);
      const limit = Math.min(pageSize, budget);
      const rows = this.#source.read(db, this.#cursor, top, filters, limit);
      const through = rows.length < limit ? top : rows[rows.length - 1]!.id;
      for (const s of live) this.#offer(s, rows, through);
      this.#cursor = through;
      budget -= Math.max(rows.length, 1);
    }
    // Subscribers behind the cursor (resuming) read their own backlog, as fast as they consume.
    for (const s of [...this.#subs]) {
      while (!s.done && !s.paused && s.position < this.#cursor && budget > 0) {
        const room = this.#o.queueLimit - s.queued;
        if (room <= 0) break;
        const limit = Math.min(pageSize, budget, room);
        const rows = this.#source.read(db, s.position, this.#cursor, [s.filter], limit);
        const through = rows.length < limit ? this.#cursor : rows[rows.length - 1]!.id;
        this.#offer(s, rows, through);
        budget -= Math.max(rows.length, 1);
      }
    }
    return budget <= 0;
  }

  #live(): Sub<Row, Filter>[] {
    return [...this.#subs].filter((s) => s.position >= this.#cursor);
  }

  #offer(s: Sub<Row, Filter>, rows: readonly Row[], through: number): void {
    const wanted = (r: Row): boolean => r.id > s.position && this.#source.matches(s.filter, r);
    // Every row taken: hand over the read itself, the same array every such subscriber gets (encoders share one serialisation).
    const mine = rows.every(wanted) ? rows : rows.filter(wanted);
    if (through > s.position) s.position = through;
    if (mine.length === 0) return;
    if (!s.paused && s.queue.length === 0) {
      this.#deliver(s, mine);
      return;
    }
    s.queue.push(mine);
    s.queued += mine.length;
    if (s.queued > this.#o.queueLimit) this.#end(s, END_LAGGED);
  }

  #deliver(s: Sub<Row, Filter>, rows: readonly Row[]): void {
    s.delivering = true;
    try {
      if (s.handlers.deliver(rows) === false) s.paused = true;
    } catch (err) {
      this.#o.onError?.(err);
      this.#end(s, END_ERROR);
    } finally {
      s.delivering = false;
    }
  }

  #resume(s: Sub<Row, Filter>): void {
    if (s.done || s.delivering) {
      s.paused = false;
      return;
    }
    s.paused = false;
    while (!s.done && !s.paused && s.queue.length > 0) {
      // Each held delivery is at most a page (reads are).
      const rows = s.queue.shift() as readonly Row[];
      s.queued -= rows.length;
      this.#deliver(s, rows);
    }
    // A resuming reader may have a backlog to read: do not make it wait a whole period.
    if (!s.done && !s.paused && s.position < this.#cursor) this.#schedule(0);
  }

  #end(s: Sub<Row, Filter>, reason: string): void {
    if (s.done) return;
    this.#remove(s);
    try {
      s.handlers.end(reason);
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #remove(s: Sub<Row, Filter>): void {
    if (s.done) return;
    s.done = true;
    s.queue = [];
    s.queued = 0;
    this.#subs.delete(s);
    // Within a poll the connection is in use; the poll lets it go when it ends.
    if (this.#subs.size === 0 && !this.#inTick) this.#idle();
  }

  /** Nobody subscribed: stop polling and let the connection go. */
  #idle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const db = this.#db;
    this.#db = undefined;
    try {
      db?.close();
    } catch {
      // Closing a connection SQLite already lost: nothing left to release.
    }
  }
}
