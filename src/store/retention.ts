/**
 * Retention: events older than a maximum age, and the oldest events while
 * the database holds more than a maximum size, are deleted in small chunks.
 * Each step() is one short transaction, so the agent can interleave steps
 * with its writes and never stall capture.
 */
import type { DatabaseSync } from 'node:sqlite';
import { sqliteMessage } from './store-error.ts';
import { EVENT_TABLES } from './tables/index.ts';

export interface RetentionPolicy {
  /** Delete events older than this many seconds; undefined keeps them. */
  readonly maxAgeSeconds?: number;
  /** Keep the database's used pages under this many bytes; undefined: no limit. */
  readonly maxBytes?: number;
  /** Rows deleted per step and table. */
  readonly chunkRows?: number;
}

export interface RetentionStats {
  deletedByAge: number;
  deletedBySize: number;
  steps: number;
  failures: number;
  lastError: string | undefined;
}

/** Bytes the database's live pages take (free pages excluded). */
export function usedBytes(db: DatabaseSync): number {
  const one = (sql: string): number => Number(Object.values(db.prepare(sql).get() ?? {})[0] ?? 0);
  return (one('PRAGMA page_count') - one('PRAGMA freelist_count')) * one('PRAGMA page_size');
}

export class Retention {
  readonly #db: DatabaseSync;
  readonly #policy: RetentionPolicy;
  readonly stats: RetentionStats = {
    deletedByAge: 0,
    deletedBySize: 0,
    steps: 0,
    failures: 0,
    lastError: undefined,
  };

  constructor(db: DatabaseSync, policy: RetentionPolicy) {
    this.#db = db;
    this.#policy = policy;
  }

  /**
   * One bounded unit of work. Returns true when more work remains (call
   * again soon), false when the store is within policy.
   */
  step(nowUs: number): boolean {
    const chunk = this.#policy.chunkRows ?? 5000;
    this.stats.steps++;
    try {
      if (this.#policy.maxAgeSeconds !== undefined) {
        const cutoff = nowUs - this.#policy.maxAgeSeconds * 1_000_000;
        let deleted = 0;
        for (const t of EVENT_TABLES) deleted += this.#deleteOlder(t.name, cutoff, chunk);
        this.stats.deletedByAge += deleted;
        if (deleted > 0) return true;
      }
      if (this.#policy.maxBytes !== undefined && usedBytes(this.#db) > this.#policy.maxBytes) {
        const deleted = this.#deleteOldest(chunk);
        this.stats.deletedBySize += deleted;
        // Give freed pages back to the file system, a bounded number at a time.
        this.#db.exec('PRAGMA incremental_vacuum(2000)');
        return deleted > 0;
      }
      this.#db.exec('PRAGMA incremental_vacuum(2000)');
      return false;
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = sqliteMessage(err);
      return false;
    }
  }

  /**
   * Deletes the oldest chunk whatever the size says: the disk is full and the
   * newest events are worth more than the oldest. Returns rows deleted.
   */
  makeRoom(): number {
    const chunk = this.#policy.chunkRows ?? 5000;
    try {
      const deleted = this.#deleteOldest(chunk);
      this.stats.deletedBySize += deleted;
      this.#db.exec('PRAGMA incremental_vacuum');
      return deleted;
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = sqliteMessage(err);
      return 0;
    }
  }

  #deleteOlder(table: string, cutoffUs: number, chunk: number): number {
    const r = this.#db
      .prepare(
        `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE time_us < ? ORDER BY time_us LIMIT ?)`,
      )
      .run(cutoffUs, chunk);
    return Number(r.changes);
  }

  /** Deletes the oldest `chunk` events across all tables. */
  #deleteOldest(chunk: number): number {
    const parts = EVENT_TABLES.map((t) => `SELECT time_us FROM ${t.name}`).join(' UNION ALL ');
    const row = this.#db
      .prepare(`SELECT time_us AS t FROM (${parts}) ORDER BY time_us LIMIT 1 OFFSET ?`)
      .get(chunk - 1) as { t: number } | undefined;
    let deleted = 0;
    if (row === undefined) {
      for (const t of EVENT_TABLES)
        deleted += Number(this.#db.prepare(`DELETE FROM ${t.name}`).run().changes);
      return deleted;
    }
    for (const t of EVENT_TABLES) deleted += this.#deleteOlder(t.name, row.t + 1, chunk);
    return deleted;
  }
}
