/**
 * The delivery outbox: alert deliveries due now, and their outcomes. A
 * delivery stays 'pending' until a sink confirms it; a crash between sending
 * and marking means it is sent again (at-least-once). 'failed' is terminal,
 * after the configured attempts, and shown by `bpfwarden alerts show`.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Alert } from '../domain/rules/rule.ts';
import { num, type Row, str } from '../families/event-table.ts';
import { getAlert } from './alerts-store.ts';

export interface DueDelivery {
  readonly alertId: number;
  readonly sink: string;
  readonly attempts: number;
}

export class Outbox {
  readonly #db: DatabaseSync;
  readonly #due: StatementSync;
  readonly #delivered: StatementSync;
  readonly #retry: StatementSync;
  readonly #failed: StatementSync;
  readonly #defer: StatementSync;
  readonly #next: StatementSync;
  readonly #pending: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#due = db.prepare(
      `SELECT alert_id, sink, attempts FROM alert_deliveries
       WHERE state = 'pending' AND next_attempt_us <= ? ORDER BY next_attempt_us, alert_id LIMIT ?`,
    );
    this.#delivered = db.prepare(
      `UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_us = ?, last_error = NULL
       WHERE alert_id = ? AND sink = ?`,
    );
    this.#retry = db.prepare(
      `UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_us = ?, last_error = ?
       WHERE alert_id = ? AND sink = ?`,
    );
    this.#failed = db.prepare(
      `UPDATE alert_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?
       WHERE alert_id = ? AND sink = ?`,
    );
    this.#defer = db.prepare(
      `UPDATE alert_deliveries SET next_attempt_us = ?, last_error = COALESCE(?, last_error)
       WHERE alert_id = ? AND sink = ?`,
    );
    this.#next = db.prepare(`SELECT MIN(next_attempt_us) AS t FROM alert_deliveries WHERE state = 'pending'`);
    this.#pending = db.prepare(`SELECT COUNT(*) AS n FROM alert_deliveries WHERE state = 'pending'`);
  }

  due(nowUs: number, limit: number): DueDelivery[] {
    return (this.#due.all(nowUs, limit) as Row[]).map((r) => ({
      alertId: num(r.alert_id),
      sink: str(r.sink),
      attempts: num(r.attempts),
    }));
  }

  alert(id: number): Alert | undefined {
    return getAlert(this.#db, id);
  }

  delivered(d: DueDelivery, nowUs: number): void {
    this.#delivered.run(nowUs, d.alertId, d.sink);
  }

  retry(d: DueDelivery, nextUs: number, error: string): void {
    this.#retry.run(nextUs, error.slice(0, 1000), d.alertId, d.sink);
  }

  fail(d: DueDelivery, error: string): void {
    this.#failed.run(error.slice(0, 1000), d.alertId, d.sink);
  }

  /** Postpones without counting an attempt (breaker open). */
  defer(d: DueDelivery, nextUs: number, note?: string): void {
    this.#defer.run(nextUs, note ?? null, d.alertId, d.sink);
  }

  nextDueUs(): number | undefined {
    const r = this.#next.get() as Row | undefined;
    return r?.t === null || r?.t === undefined ? undefined : num(r.t);
  }

  pendingCount(): number {
    return num((this.#pending.get() as Row | undefined)?.n);
  }
}
