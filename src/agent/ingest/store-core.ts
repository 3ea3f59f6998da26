/**
 * The writing side of the store, the same in the agent's thread and in the
 * store worker: the database, its event writer and pipeline, retention and
 * the disk budget. A write that fails for lack of space makes room (WAL
 * checkpoint, then the oldest events when a size limit is set) before it is
 * retried; a database found damaged is not written to again.
 */
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../store/database.ts';
import { DiskBudget } from '../../store/disk-budget.ts';
import { EventWriter } from '../../store/event-writer.ts';
import type { Retention } from '../../store/retention.ts';
import type { Config } from '../config.ts';
import { Pipeline } from './pipeline.ts';
import { maxBytesOf, scheduleRetention } from './retention-task.ts';

const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;
const BUDGET_TICK_MS = 250;

export interface StoreCoreInit {
  readonly database: string;
  readonly store: Config['store'];
  readonly retention: Config['retention'];
}

export class StoreCore {
  readonly db: DatabaseSync;
  readonly writer: EventWriter;
  readonly pipeline: Pipeline;
  readonly budget: DiskBudget;
  readonly #task: ReturnType<typeof scheduleRetention>;
  readonly #timer: NodeJS.Timeout;
  readonly #log: (line: string) => void;
  #stopped = false;
  #damaged = false;

  constructor(init: StoreCoreInit, log: (line: string) => void) {
    this.#log = log;
    // The agent checked the file before anything else opened it (Agent.start).
    this.db = openDatabase(init.database, { checked: true });
    const maxBytes = maxBytesOf(init.retention);
    this.budget = new DiskBudget(this.db, init.database, maxBytes);
    this.writer = new EventWriter(this.db, { maxQueue: init.store.maxQueue });
    this.pipeline = new Pipeline(this.writer, {
      flushIntervalMs: init.store.flushIntervalMs,
      onWriteError: (msg) => log(`store write failed (will retry): ${msg}`),
      onFailedWrite: () => this.#afterFailedWrite(),
      onRecovered: (n) => log(`store writes succeed again (after ${n} failed writes)`),
      onUnwritten: (n, reason) =>
        log(`store: ${n} events could not be written before the stop and are lost (${reason})`),
    });
    this.#task = scheduleRetention(this.db, init.retention, () => this.#stopped, this.budget.mainLimit);
    this.#timer = setInterval(() => {
      if (!this.#damaged && this.budget.tick()) this.#task?.kick();
    }, BUDGET_TICK_MS);
    this.#timer.unref();
  }

  get retention(): Retention | undefined {
    return this.#task?.retention;
  }

  start(): void {
    this.pipeline.start();
  }

  #afterFailedWrite(): void {
    const code = this.writer.lastFailureCode;
    if (code === SQLITE_FULL) {
      // The WAL is the first thing to give back; then, under a size limit, the oldest events.
      this.budget.checkpoint();
      if (this.budget.mainLimit !== undefined) this.retention?.makeRoom();
      this.budget.checkpoint();
    } else if ((code === SQLITE_CORRUPT || code === SQLITE_NOTADB) && !this.#damaged) {
      this.#damaged = true;
      this.#log(
        'store: the database is damaged (SQLite reports corruption); no more events are written to it. Stop the agent, move the file aside and start again',
      );
    }
    // Counted as unwritten (status, metrics, the stop line), never retried into a damaged file.
    if (this.#damaged) this.writer.abandon();
  }

  /** Writes what is queued (what cannot be is counted), checkpoints and closes. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#task) clearInterval(this.#task.timer);
    this.pipeline.stop();
    // A clean stop leaves no WAL behind.
    if (!this.#damaged) this.budget.checkpoint();
    this.db.close();
  }
}
