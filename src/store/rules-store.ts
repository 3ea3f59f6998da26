/** Rules and their run state in SQLite. */
import type { DatabaseSync } from 'node:sqlite';
import { isSeverity, type Rule } from '../domain/rules/rule.ts';
import { num, type Row, str, strOrNull } from '../families/event-table.ts';
import { maxEventId } from './event-ids.ts';

export interface StoredRule extends Rule {
  readonly source: string;
  readonly createdUs: number;
  readonly updatedUs: number;
}

export interface RuleState {
  readonly ruleId: string;
  readonly watermark: number;
  readonly runs: number;
  readonly alerts: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly lastRunUs: number | null;
  readonly lastError: string | null;
  readonly disabledReason: string | null;
  /** Run time of the last successful run, and of all of them. */
  readonly lastRunMs: number | null;
  readonly totalRunMs: number;
  /** Slower than rules.slowRuleMs: the engine runs and paces it on its own. */
  readonly slow: boolean;
}

function ruleFromRow(r: Row): StoredRule {
  const severity = str(r.severity);
  return {
    id: str(r.id),
    name: str(r.name),
    description: str(r.description),
    severity: isSeverity(severity) ? severity : 'medium',
    query: str(r.query),
    title: str(r.title),
    tags: JSON.parse(str(r.tags) || '[]') as string[],
    dedupe: strOrNull(r.dedupe),
    throttleMs: num(r.throttle_ms),
    enabled: num(r.enabled) === 1,
    source: str(r.source),
    createdUs: num(r.created_us),
    updatedUs: num(r.updated_us),
  };
}

function stateFromRow(r: Row): RuleState {
  const n = (v: Row[string] | undefined): number | null => (v === null || v === undefined ? null : num(v));
  return {
    ruleId: str(r.rule_id),
    watermark: num(r.watermark),
    runs: num(r.runs),
    alerts: num(r.alerts),
    failures: num(r.failures),
    consecutiveFailures: num(r.consecutive_failures),
    lastRunUs: n(r.last_run_us),
    lastError: strOrNull(r.last_error),
    disabledReason: strOrNull(r.disabled_reason),
    lastRunMs: n(r.last_run_ms),
    totalRunMs: num(r.run_ms_total),
    slow: num(r.slow) === 1,
  };
}

export function listRules(db: DatabaseSync): StoredRule[] {
  return (db.prepare('SELECT * FROM rules ORDER BY id').all() as Row[]).map(ruleFromRow);
}

export function getRule(db: DatabaseSync, id: string): StoredRule | undefined {
  const r = db.prepare('SELECT * FROM rules WHERE id = ?').get(id) as Row | undefined;
  return r ? ruleFromRow(r) : undefined;
}

export function getRuleState(db: DatabaseSync, id: string): RuleState | undefined {
  const r = db.prepare('SELECT * FROM rule_state WHERE rule_id = ?').get(id) as Row | undefined;
  return r ? stateFromRow(r) : undefined;
}

export function listRuleStates(db: DatabaseSync): Map<string, RuleState> {
  const rows = db.prepare('SELECT * FROM rule_state').all() as Row[];
  return new Map(rows.map((r) => [str(r.rule_id), stateFromRow(r)]));
}

export type UpsertMode = 'keep-enabled' | 'set-enabled';

/**
 * Inserts or updates a rule (validated by the caller). A new rule starts at
 * the newest stored event: rules alert on what happens from now on. An
 * existing rule keeps its watermark, and with 'keep-enabled' its on/off
 * state (an operator's `rules disable` survives a restart that reloads files).
 */
export function upsertRule(
  db: DatabaseSync,
  rule: Rule,
  source: string,
  nowUs: number,
  mode: UpsertMode = 'keep-enabled',
): 'added' | 'updated' | 'unchanged' {
  const existing = getRule(db, rule.id);
  const values = [
    rule.name,
    rule.description,
    rule.severity,
    rule.query,
    rule.title,
    JSON.stringify(rule.tags),
    rule.dedupe,
    rule.throttleMs,
  ] as const;
  if (!existing) {
    db.prepare(
      `INSERT INTO rules (id, name, description, severity, query, title, tags, dedupe, throttle_ms, enabled,
         source, created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(rule.id, ...values, rule.enabled ? 1 : 0, source, nowUs, nowUs);
    db.prepare('INSERT OR REPLACE INTO rule_state (rule_id, watermark) VALUES (?, ?)').run(
      rule.id,
      maxEventId(db),
    );
    return 'added';
  }
  const same =
    existing.name === rule.name &&
    existing.description === rule.description &&
    existing.severity === rule.severity &&
    existing.query === rule.query &&
    existing.title === rule.title &&
    JSON.stringify(existing.tags) === JSON.stringify(rule.tags) &&
    existing.dedupe === rule.dedupe &&
    existing.throttleMs === rule.throttleMs &&
    existing.source === source &&
    (mode === 'keep-enabled' || existing.enabled === rule.enabled);
  if (same) return 'unchanged';
  db.prepare(
    `UPDATE rules SET name = ?, description = ?, severity = ?, query = ?, title = ?, tags = ?, dedupe = ?,
       throttle_ms = ?, source = ?, updated_us = ?${mode === 'set-enabled' ? ', enabled = ?' : ''} WHERE id = ?`,
  ).run(...values, source, nowUs, ...(mode === 'set-enabled' ? [rule.enabled ? 1 : 0] : []), rule.id);
  db.prepare('INSERT OR IGNORE INTO rule_state (rule_id, watermark) VALUES (?, ?)').run(
    rule.id,
    maxEventId(db),
  );
  if (mode === 'set-enabled' && rule.enabled && !existing.enabled) resumeFromNow(db, rule.id);
  return 'updated';
}

export function setRuleEnabled(db: DatabaseSync, id: string, enabled: boolean, nowUs: number): boolean {
  const before = db.prepare('SELECT enabled FROM rules WHERE id = ?').get(id) as Row | undefined;
  const state = db.prepare('SELECT disabled_reason FROM rule_state WHERE rule_id = ?').get(id) as
    | Row
    | undefined;
  const r = db
    .prepare('UPDATE rules SET enabled = ?, updated_us = ? WHERE id = ?')
    .run(enabled ? 1 : 0, nowUs, id);
  if (enabled) {
    // Off by hand or by its failures: either way it starts again at now.
    if (before?.enabled === 0 || (state && state.disabled_reason !== null)) resumeFromNow(db, id);
    db.prepare(
      'UPDATE rule_state SET disabled_reason = NULL, consecutive_failures = 0 WHERE rule_id = ?',
    ).run(id);
  }
  return Number(r.changes) > 0;
}

/**
 * A rule enabled again resumes from the newest stored event: the events of
 * while it was off are not alerted on late (replay them with `rules test
 * --since` when that is wanted).
 */
function resumeFromNow(db: DatabaseSync, id: string): void {
  db.prepare('UPDATE rule_state SET watermark = MAX(watermark, ?) WHERE rule_id = ?').run(maxEventId(db), id);
}

export function removeRule(db: DatabaseSync, id: string): boolean {
  db.prepare('DELETE FROM rule_state WHERE rule_id = ?').run(id);
  return Number(db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes) > 0;
}

/** A failed run: counted; after `maxConsecutive` in a row the rule is disabled with the reason. */
export function recordRuleFailure(
  db: DatabaseSync,
  id: string,
  error: string,
  nowUs: number,
  maxConsecutive: number,
): boolean {
  db.prepare(
    `UPDATE rule_state SET failures = failures + 1, consecutive_failures = consecutive_failures + 1,
       last_run_us = ?, last_error = ? WHERE rule_id = ?`,
  ).run(nowUs, error, id);
  const s = getRuleState(db, id);
  if (s && s.consecutiveFailures >= maxConsecutive) {
    const reason = `disabled after ${s.consecutiveFailures} failed runs in a row: ${error}`;
    db.prepare('UPDATE rule_state SET disabled_reason = ? WHERE rule_id = ?').run(reason, id);
    db.prepare('UPDATE rules SET enabled = 0, updated_us = ? WHERE id = ?').run(nowUs, id);
    return true;
  }
  return false;
}

/** A successful run up to `watermark` (inside the caller's transaction). */
export function recordRuleRun(
  db: DatabaseSync,
  id: string,
  watermark: number,
  alerts: number,
  nowUs: number,
  runMs = 0,
): void {
  db.prepare(
    `UPDATE rule_state SET watermark = MAX(watermark, ?), runs = runs + 1, alerts = alerts + ?,
       consecutive_failures = 0, last_run_us = ?, last_error = NULL,
       last_run_ms = ?, run_ms_total = run_ms_total + ? WHERE rule_id = ?`,
  ).run(watermark, alerts, nowUs, runMs, runMs, id);
}

/** Marks whether the engine runs the rule on its own (inside the caller's transaction). */
export function recordRuleSlow(db: DatabaseSync, id: string, slow: boolean): void {
  db.prepare('UPDATE rule_state SET slow = ? WHERE rule_id = ?').run(slow ? 1 : 0, id);
}
