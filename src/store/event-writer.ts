/**
 * The store's single writer: events are queued in memory and flushed in
 * batches, one transaction per batch. Loss is counted, never silent, and a
 * failing disk never throws into the event path: the batch stays queued and
 * is retried on the next flush.
 */

import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { LogHistogram } from '../domain/histogram.ts';
import { COMMON_COLUMNS, type TypeMapping } from '../families/event-table.ts';
import type { BpfEvent } from '../families/events.ts';
import { StoreError, sqliteMessage, sqlitePrimaryCode } from './store-error.ts';
import { EVENT_TABLES } from './tables/index.ts';

export interface EventWriterOptions {
  /** Events held in memory at most; beyond this, new events are dropped and counted. */
  readonly maxQueue?: number;
  /** Extra room beyond maxQueue for priority events (default: a quarter of maxQueue). */
  readonly priorityReserve?: number;
}

export interface EventWriterStats {
  readonly rowsWritten: number;
  readonly batches: number;
  readonly lastBatchRows: number;
  readonly lastBatchMs: number;
  /** Events refused because the queue was full. */
  readonly queueDropped: number;
  /** Flushes that failed and were rolled back (their events stay queued). */
  readonly writeFailures: number;
  /** Single events SQLite refused as invalid (e.g. a constraint); skipped so they cannot block the queue. */
  readonly rowsRejected: number;
  readonly lastError: string | undefined;
  readonly queued: number;
  /** Events given up at stop: still queued, and the store would not take them. */
  readonly unwritten: number;
}

export const DEFAULT_MAX_QUEUE = 200_000;

// Result codes meaning "this row is bad", as opposed to "the database cannot be written now".
const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;

export class EventWriter {
  readonly #db: DatabaseSync;
  readonly #maxQueue: number;
  readonly #priorityReserve: number;
  /**
   * Per event type: a one-row insert, a ROWS_PER_STATEMENT-row insert (for
   * runs of that type: one native call per run instead of per row, measured
   * about 1.75x faster), and how to bind the type's own columns.
   */
  readonly #inserts = new Map<string, Insert>();
  // A queue with a moving head: flushing from the front is O(batch), not O(queue).
  #queue: BpfEvent[] = [];
  #head = 0;
  #nextId: number;
  #lastFailureCode: number | undefined;
  readonly #stats: Mutable<EventWriterStats>;
  /** Rows committed per event type; `#pending` holds the open transaction's until it commits. */
  readonly #byType = new Map<string, number>();
  readonly #pending = new Map<string, number>();

  constructor(db: DatabaseSync, options: EventWriterOptions = {}) {
    this.#db = db;
    this.#maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.#priorityReserve = options.priorityReserve ?? Math.ceil(this.#maxQueue / 4);
    try {
      for (const table of EVENT_TABLES) {
        for (const m of table.mappings) {
          const cols = [...COMMON_COLUMNS, ...m.columns];
          const head = `INSERT INTO ${table.name} (${cols.join(', ')}) VALUES `;
          const row = `(${qs(cols.length)})`;
          this.#inserts.set(m.type, {
            one: db.prepare(head + row),
            many: db.prepare(head + Array(ROWS_PER_STATEMENT).fill(row).join(', ')),
            values: m.values,
            args: new Array<SQLInputValue>(ROWS_PER_STATEMENT * cols.length).fill(null),
          });
        }
      }
      this.#nextId = readMaxId(db) + 1;
    } catch (err) {
      // Construction happens at start-up, where failing loudly is right; but with a code.
      throw new StoreError('STORE_DB_OPEN', `cannot prepare the event writer: ${sqliteMessage(err)}`, {
        cause: err,
      });
    }
    const writer = this;
    this.#stats = {
      rowsWritten: 0,
      batches: 0,
      lastBatchRows: 0,
      lastBatchMs: 0,
      queueDropped: 0,
      writeFailures: 0,
      rowsRejected: 0,
      lastError: undefined,
      unwritten: 0,
      get queued() {
        return writer.queued;
      },
    };
  }

  /** Kernel timestamp to committed row, microseconds, over every committed event. */
  readonly latencyUs = new LogHistogram();
  /** Rows per committed transaction. */
  readonly batchRows = new LogHistogram();
  /** Duration of each committed flush (BEGIN to COMMIT), microseconds. */
  readonly commitUs = new LogHistogram();

  /** Rows committed so far per event type. */
  rowsByType(): Record<string, number> {
    return Object.fromEntries(this.#byType);
  }

  /** Live counters (read them at any time; they are not a snapshot). */
  get stats(): EventWriterStats {
    return this.#stats;
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Queues events for the next flush; what does not fit is dropped and
   * counted. Priority events (process lifecycle) may use a reserve beyond
   * maxQueue, so a flood of other events cannot cost them.
   */
  enqueue(events: readonly BpfEvent[], priority = false): void {
    const limit = priority ? this.#maxQueue + this.#priorityReserve : this.#maxQueue;
    const room = limit - this.queued;
    const n = Math.min(Math.max(room, 0), events.length);
    for (let i = 0; i < n; i++) this.#queue.push(events[i]!);
    this.#stats.queueDropped += events.length - n;
  }

  /** Writes up to `maxRows` queued events in one transaction; returns rows written (0 on failure). */
  flush(maxRows: number = Number.POSITIVE_INFINITY): number {
    const n = Math.min(this.queued, Math.max(0, Math.floor(maxRows)));
    if (n === 0) return 0;
    const started = performance.now();
    const db = this.#db;
    let id = this.#nextId;
    let rejected = 0;
    let lastRejection: string | undefined;
    this.#pending.clear();
    try {
      db.exec('BEGIN IMMEDIATE');
      const q = this.#queue;
      const end = this.#head + n;
      for (let i = this.#head; i < end; ) {
        // A full run of one type goes in one statement; on a bad row, row by row below.
        if (i + ROWS_PER_STATEMENT <= end && this.#tryMany(id, q, i)) {
          i += ROWS_PER_STATEMENT;
          id += ROWS_PER_STATEMENT;
          continue;
        }
        try {
          this.#insert(id, q[i]!);
          id++;
        } catch (err) {
          if (!isRowError(err)) throw err;
          // SQLite undoes just the failed statement; the rest of the batch goes on.
          rejected++;
          lastRejection = `event rejected: ${sqliteMessage(err)}`;
        }
        i++;
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) rollbackQuietly(db);
      // Ids collide only if something else wrote events: continue after its rows.
      if (isIdCollision(err)) this.#resyncIds();
      this.#stats.writeFailures++;
      this.#stats.lastError = sqliteMessage(err);
      this.#lastFailureCode = sqlitePrimaryCode(err);
      return 0;
    }
    this.#nextId = id;
    for (const [type, k] of this.#pending) this.#byType.set(type, (this.#byType.get(type) ?? 0) + k);
    // Latency from the kernel's timestamp to the commit, per event.
    const committedUs = Date.now() * 1000;
    const q = this.#queue;
    for (let i = this.#head, end = this.#head + n; i < end; i++) {
      this.latencyUs.record(committedUs - q[i]!.timeUs);
    }
    this.#dequeue(n);
    const written = n - rejected;
    this.#stats.rowsRejected += rejected;
    if (lastRejection !== undefined) this.#stats.lastError = lastRejection;
    this.#stats.rowsWritten += written;
    this.#stats.batches++;
    this.#stats.lastBatchRows = written;
    this.#stats.lastBatchMs = performance.now() - started;
    this.batchRows.record(written);
    this.commitUs.record(this.#stats.lastBatchMs * 1000);
    return written;
  }

  /** SQLite's primary result code of the last failed write (13 = SQLITE_FULL, 11 = SQLITE_CORRUPT). */
  get lastFailureCode(): number | undefined {
    return this.#lastFailureCode;
  }

  /** Gives up what is still queued (at stop, when flushes keep failing); returns how many, now counted. */
  abandon(): number {
    const n = this.queued;
    this.#stats.unwritten += n;
    this.#queue = [];
    this.#head = 0;
    return n;
  }

  #resyncIds(): void {
    try {
      this.#nextId = readMaxId(this.#db) + 1;
    } catch {
      // Retried on the next collision.
    }
  }

  /**
   * Inserts q[i, i+ROWS_PER_STATEMENT) in one statement when they share a type.
   * False when they do not, or when a row is bad (nothing was inserted then:
   * the statement failed whole, and the caller goes row by row).
   */
  #tryMany(id: number, q: readonly BpfEvent[], i: number): boolean {
    const type = q[i]!.type;
    for (let k = 1; k < ROWS_PER_STATEMENT; k++) if (q[i + k]!.type !== type) return false;
    const ins = this.#inserts.get(type);
    if (!ins) return false;
    // Written in place: the array keeps its length and elements kind from flush to flush.
    const args = ins.args;
    let j = 0;
    for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
      const e = q[i + k]!;
      args[j++] = id + k;
      args[j++] = e.timeUs;
      args[j++] = e.type;
      args[j++] = e.pid;
      args[j++] = e.tid;
      args[j++] = e.ppid;
      args[j++] = e.uid;
      args[j++] = e.gid;
      args[j++] = e.cgroupId;
      args[j++] = e.comm;
      const values = ins.values(e);
      for (let c = 0; c < values.length; c++) args[j++] = values[c]!;
    }
    try {
      ins.many.run(...args);
      this.#pending.set(type, (this.#pending.get(type) ?? 0) + ROWS_PER_STATEMENT);
      return true;
    } catch (err) {
      if (isRowError(err)) return false;
      throw err;
    }
  }

  #insert(id: number, e: BpfEvent): void {
    const ins = this.#inserts.get(e.type);
    // An event type with no table: a row error, not a reason to stall the queue.
    if (!ins) throw new RowError(`no table for event type ${JSON.stringify(e.type)}`);
    // Positional parameters in column order: common columns, then the type's own.
    ins.one.run(
      id,
      e.timeUs,
      e.type,
      e.pid,
      e.tid,
      e.ppid,
      e.uid,
      e.gid,
      e.cgroupId,
      e.comm,
      ...ins.values(e),
    );
    this.#pending.set(e.type, (this.#pending.get(e.type) ?? 0) + 1);
  }

  #dequeue(n: number): void {
    this.#head += n;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

class RowError extends Error {}

interface Insert {
  readonly one: StatementSync;
  readonly many: StatementSync;
  readonly values: TypeMapping['values'];
  /** Parameters of `many`, reused (a full statement's worth). */
  readonly args: SQLInputValue[];
}

/**
 * Rows per multi-row insert (parameters stay far below SQLite's 32766 limit).
 * Measured on file opens (bench/ingest.ts): 128 rows cost about 8% less CPU
 * per row than 32; beyond that the gain is within noise.
 */
const ROWS_PER_STATEMENT = 128;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

function isIdCollision(err: unknown): boolean {
  return (err as { errcode?: unknown } | null)?.errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

function readMaxId(db: DatabaseSync): number {
  // Ids are unique across every event table; max per table uses each primary key.
  const parts = EVENT_TABLES.map((t) => `SELECT max(id) AS m FROM ${t.name}`).join(' UNION ALL ');
  const row = db.prepare(`SELECT coalesce(max(m), 0) AS maxId FROM (${parts})`).get() as { maxId: number };
  return row.maxId;
}

/** True when the error is about one event's values (retrying would fail forever). */
function isRowError(err: unknown): boolean {
  if (err instanceof RowError) return true;
  if (isIdCollision(err)) return false;
  // node:sqlite refuses to bind e.g. undefined or a symbol before SQLite sees it.
  if ((err as { code?: unknown } | null)?.code === 'ERR_INVALID_ARG_TYPE') return true;
  const code = sqlitePrimaryCode(err);
  return code === SQLITE_CONSTRAINT || code === SQLITE_MISMATCH || code === SQLITE_TOOBIG;
}

function rollbackQuietly(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // SQLite may already have rolled back (e.g. on SQLITE_FULL); nothing else to undo.
  }
}

function qs(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
