/**
 * Disk use of the store under retention.maxSizeMiB, the WAL included. The
 * WAL gets a share of the budget: SQLite checkpoints when it reaches that
 * share and truncates it to that size afterwards; a WAL that still outgrows
 * it (readers kept the checkpoint from finishing) is checkpointed and
 * truncated here. The live pages get the rest, less room for what is written
 * between two checks, and retention is run as soon as they outgrow it. A write that fails with SQLITE_FULL does the same, so a
 * full disk frees what the WAL held before the writer retries.
 */
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { BUSY_TIMEOUT_MS, WAL_CHECKPOINT_PAGES } from './database.ts';
import { usedBytes } from './retention.ts';

const PAGE = 4096;
const MIB = 1024 * 1024;
/** How long a checkpoint here waits for readers: the writer must not stall behind them. */
const CHECKPOINT_WAIT_MS = 50;

/** The WAL's share of a size budget: an eighth, between 1 MiB and the default checkpoint size. */
export function walLimitBytes(maxBytes: number | undefined): number {
  const cap = WAL_CHECKPOINT_PAGES * PAGE;
  if (maxBytes === undefined) return cap;
  return Math.min(cap, Math.max(MIB, Math.floor(maxBytes / 8 / PAGE) * PAGE));
}

export interface CheckpointResult {
  /** True when readers kept it from finishing. */
  readonly busy: boolean;
  readonly walBytes: number;
}

export class DiskBudget {
  readonly #db: DatabaseSync;
  readonly #walPath: string | undefined;
  /** WAL bytes allowed before a checkpoint. */
  readonly walLimit: number;
  /** What retention keeps the database's live pages under: the budget less the WAL's share. */
  readonly mainLimit: number | undefined;
  checkpoints = 0;

  constructor(db: DatabaseSync, path: string, maxBytes: number | undefined) {
    this.#db = db;
    this.#walPath = path === ':memory:' ? undefined : `${path}-wal`;
    this.walLimit = walLimitBytes(maxBytes);
    // Less the WAL's share, as much again for what is written between two
    // checks, and a sixteenth more for a loaded host where checks run late.
    this.mainLimit =
      maxBytes === undefined
        ? undefined
        : Math.max(PAGE * 16, maxBytes - 2 * this.walLimit - Math.floor(maxBytes / 16));
    const pages = Math.max(1, Math.floor(this.walLimit / PAGE));
    db.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
    db.exec(`PRAGMA journal_size_limit = ${this.walLimit}`);
  }

  walBytes(): number {
    if (!this.#walPath) return 0;
    try {
      return statSync(this.#walPath).size;
    } catch {
      return 0;
    }
  }

  /**
   * Checkpoints and truncates the WAL when it has outgrown its share; call it
   * now and then. True when the database's live pages are over their share
   * (retention should run now, not at its next interval).
   */
  tick(): boolean {
    if (this.walBytes() > this.walLimit) this.checkpoint();
    if (this.mainLimit === undefined) return false;
    try {
      return usedBytes(this.#db) > this.mainLimit;
    } catch {
      return false;
    }
  }

  /** Copies the WAL into the database and truncates it to zero, waiting only briefly for readers. */
  checkpoint(): CheckpointResult {
    const db = this.#db;
    this.checkpoints++;
    try {
      db.exec(`PRAGMA busy_timeout = ${CHECKPOINT_WAIT_MS}`);
      const row = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy?: number } | undefined;
      return { busy: (row?.busy ?? 0) !== 0, walBytes: this.walBytes() };
    } catch {
      // A checkpoint that cannot run now (e.g. inside a transaction) is retried on the next call.
      return { busy: true, walBytes: this.walBytes() };
    } finally {
      try {
        db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      } catch {
        // The connection is closing; nothing to restore.
      }
    }
  }
}
