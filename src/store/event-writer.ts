/**
 * The store's single writer: events are queued in memory and flushed in
 * batches, one transaction per batch. Loss is counted, never silent, and a
 * failing disk never throws into the event path: the batch stays queued and
 * is retried on the next flush.
 */

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BpfEvent, ExecEvent, ExitEvent, ForkEvent } from '../domain/events.ts';
import { StoreError, sqliteMessage, sqlitePrimaryCode } from './store-error.ts';

export interface EventWriterOptions {
  /** Events held in memory at most; beyond this, new events are dropped and counted. */
  readonly maxQueue?: number;
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
}

export const DEFAULT_MAX_QUEUE = 200_000;

const INSERT_COMMON =
  'INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm';
const INSERT_EXEC = `${INSERT_COMMON}, filename, argv, argc, args_truncated, filename_truncated, old_pid) VALUES (${qs(16)})`;
const INSERT_FORK = `${INSERT_COMMON}, child_pid) VALUES (${qs(11)})`;
const INSERT_EXIT = `${INSERT_COMMON}, exit_code, signal, core_dumped, lifetime_ns) VALUES (${qs(14)})`;

// Result codes meaning "this row is bad", as opposed to "the database cannot be written now".
const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;

export class EventWriter {
  readonly #db: DatabaseSync;
  readonly #maxQueue: number;
  readonly #insertExec: StatementSync;
  readonly #insertFork: StatementSync;
  readonly #insertExit: StatementSync;
  // A queue with a moving head: flushing from the front is O(batch), not O(queue).
  #queue: BpfEvent[] = [];
  #head = 0;
  #nextId: number;
  readonly #stats: Mutable<EventWriterStats>;

  constructor(db: DatabaseSync, options: EventWriterOptions = {}) {
    this.#db = db;
    this.#maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    try {
      this.#insertExec = db.prepare(INSERT_EXEC);
      this.#insertFork = db.prepare(INSERT_FORK);
      this.#insertExit = db.prepare(INSERT_EXIT);
      this.#nextId = readMaxId(db) + 1;
    } catch (err) {
      // Construction happens at start-up, where failing loudly is right; but with a code.
      throw new StoreError('DB_OPEN', `cannot prepare the event writer: ${sqliteMessage(err)}`, {
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
      get queued() {
        return writer.queued;
      },
    };
  }

  /** Live counters (read them at any time; they are not a snapshot). */
  get stats(): EventWriterStats {
    return this.#stats;
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues events for the next flush; what does not fit is dropped and counted. */
  enqueue(events: readonly BpfEvent[]): void {
    const room = this.#maxQueue - this.queued;
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
    try {
      db.exec('BEGIN IMMEDIATE');
      const q = this.#queue;
      const end = this.#head + n;
      for (let i = this.#head; i < end; i++) {
        try {
          this.#insert(id, q[i]!);
          id++;
        } catch (err) {
          if (!isRowError(err)) throw err;
          // SQLite undoes just the failed statement; the rest of the batch goes on.
          rejected++;
          lastRejection = `event rejected: ${sqliteMessage(err)}`;
        }
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) rollbackQuietly(db);
      // Ids collide only if something else wrote events: continue after its rows.
      if (isIdCollision(err)) this.#resyncIds();
      this.#stats.writeFailures++;
      this.#stats.lastError = sqliteMessage(err);
      return 0;
    }
    this.#nextId = id;
    this.#dequeue(n);
    const written = n - rejected;
    this.#stats.rowsRejected += rejected;
    if (lastRejection !== undefined) this.#stats.lastError = lastRejection;
    this.#stats.rowsWritten += written;
    this.#stats.batches++;
    this.#stats.lastBatchRows = written;
    this.#stats.lastBatchMs = performance.now() - started;
    return written;
  }

  #resyncIds(): void {
    try {
      this.#nextId = readMaxId(this.#db) + 1;
    } catch {
      // Retried on the next collision.
    }
  }

  #insert(id: number, e: BpfEvent): void {
    switch (e.type) {
      case 'exec':
        insertExec(this.#insertExec, id, e);
        return;
      case 'fork':
        insertFork(this.#insertFork, id, e);
        return;
      case 'exit':
        insertExit(this.#insertExit, id, e);
        return;
      default:
        // An event type with no table yet: a row error, not a reason to stall the queue.
        throw new RowError(`no table for event type ${JSON.stringify((e as { type: unknown }).type)}`);
    }
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

// Positional parameters, in column order; no intermediate objects per event.
function insertExec(s: StatementSync, id: number, e: ExecEvent): void {
  s.run(
    id,
    e.timeUs,
    'exec',
    e.pid,
    e.tid,
    e.ppid,
    e.uid,
    e.gid,
    e.cgroupId,
    e.comm,
    e.filename,
    JSON.stringify(e.argv),
    e.argc,
    e.argsTruncated ? 1 : 0,
    e.filenameTruncated ? 1 : 0,
    e.oldPid,
  );
}

function insertFork(s: StatementSync, id: number, e: ForkEvent): void {
  s.run(id, e.timeUs, 'fork', e.pid, e.tid, e.ppid, e.uid, e.gid, e.cgroupId, e.comm, e.childPid);
}

function insertExit(s: StatementSync, id: number, e: ExitEvent): void {
  s.run(
    id,
    e.timeUs,
    'exit',
    e.pid,
    e.tid,
    e.ppid,
    e.uid,
    e.gid,
    e.cgroupId,
    e.comm,
    e.exitCode,
    e.signal,
    e.coreDumped ? 1 : 0,
    e.lifetimeNs,
  );
}

class RowError extends Error {}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

function isIdCollision(err: unknown): boolean {
  return (err as { errcode?: unknown } | null)?.errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

function readMaxId(db: DatabaseSync): number {
  // The view spans every event table, so ids stay unique across them.
  const row = db.prepare('SELECT coalesce(max(id), 0) AS maxId FROM events').get() as { maxId: number };
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
