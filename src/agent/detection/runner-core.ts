/**
 * What runs the rules, wherever it runs (runner-thread.ts in the agent,
 * runner-child.ts in a process of its own): a read-only connection whose
 * authorizer admits only SELECT, reads of the event tables and columns, and
 * the whitelisted functions (everything else fails at prepare time), and a
 * deadline per rule run where the SQLite extension is built (deadline.ts).
 */
import { constants, type DatabaseSync, type StatementSync } from 'node:sqlite';
import { RULE_FUNCTIONS } from '../../domain/rules/catalog.ts';
import { openDatabase } from '../../store/database.ts';
import { Deadline, isInterrupt } from '../../store/deadline.ts';
import { maxEventIdSql } from '../../store/event-ids.ts';
import { RULE_CATALOG } from '../../store/rule-catalog.ts';
import type { FromChild, RunRequest, RunResult } from './runner-protocol.ts';

const ACTION_NAMES = new Map<number, string>(
  Object.entries(constants)
    .filter(
      ([k]) =>
        k.startsWith('SQLITE_') &&
        !k.startsWith('SQLITE_CHANGESET') &&
        !['SQLITE_OK', 'SQLITE_DENY', 'SQLITE_IGNORE'].includes(k),
    )
    .map(([k, v]) => [v as number, k.slice('SQLITE_'.length)]),
);

/** Installs the authorizer; returns a switch between trusted (engine) and rule mode, and the denials. */
export function guard(db: DatabaseSync): { setRuleMode: (on: boolean) => void; denials: string[] } {
  let ruleMode = false;
  const denials: string[] = [];
  db.setAuthorizer((action, a1, a2, dbName) => {
    if (!ruleMode) return constants.SQLITE_OK;
    if (action === constants.SQLITE_SELECT) return constants.SQLITE_OK;
    if (action === constants.SQLITE_READ) {
      const cols = RULE_CATALOG.tables.get(String(a1).toLowerCase());
      if (dbName === 'main' && cols && (a2 === '' || a2 === null || cols.has(String(a2).toLowerCase()))) {
        return constants.SQLITE_OK;
      }
      // count(*) over a CTE or subquery reads no column of any stored table.
      if ((dbName === null || dbName === undefined) && (a2 === '' || a2 === null)) return constants.SQLITE_OK;
      denials.push(`read of ${dbName ?? '?'}.${a1}.${a2}`);
      return constants.SQLITE_DENY;
    }
    if (action === constants.SQLITE_FUNCTION && RULE_FUNCTIONS.has(String(a2).toLowerCase())) {
      return constants.SQLITE_OK;
    }
    const what = ACTION_NAMES.get(action) ?? `action ${action}`;
    denials.push(action === constants.SQLITE_FUNCTION ? `function ${a2}()` : `${what}${a1 ? ` ${a1}` : ''}`);
    return constants.SQLITE_DENY;
  });
  return { setRuleMode: (on) => (ruleMode = on), denials };
}

const PARAMS = ['from_id', 'to_id', 'now_us'] as const;

/** The named parameters a rule's SQL uses (binding others is an error). */
function paramNames(sql: string): (typeof PARAMS)[number][] {
  return PARAMS.filter((k) => new RegExp(`[:@$]${k}\\b`, 'i').test(sql));
}

/**
 * Prepared statements by rule. A pass runs whenever new events were stored
 * (every 25 ms on a busy host); preparing the 19 starter rules each time took
 * 0.6-0.9 ms per pass, 2-3.5 % of a CPU at that pace. A cached statement that
 * SQLite re-prepares after a schema change does so inside runOne, in rule
 * mode, under the authorizer.
 */
export class StatementCache {
  readonly #db: DatabaseSync;
  readonly #byId = new Map<string, { sql: string; stmt: StatementSync; params: (typeof PARAMS)[number][] }>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(ruleId: string, sql: string): { stmt: StatementSync; params: (typeof PARAMS)[number][] } {
    const hit = this.#byId.get(ruleId);
    if (hit && hit.sql === sql) return hit;
    const stmt = this.#db.prepare(sql);
    stmt.setReadBigInts(true);
    const entry = { sql, stmt, params: paramNames(sql) };
    this.#byId.set(ruleId, entry);
    return entry;
  }

  /** Forgets a rule's statement (after it failed: the next run prepares afresh). */
  drop(ruleId: string): void {
    this.#byId.delete(ruleId);
  }
}

/** The message of a run stopped by its time bound (the same from the deadline and from a kill). */
export function runawayMessage(timeoutMs: number): string {
  return `runaway rule: stopped after ${timeoutMs} ms (the time bound for one run)`;
}

export function runOne(
  cache: StatementCache,
  g: ReturnType<typeof guard>,
  req: RunRequest,
  newestId: number,
  bound?: { readonly deadline: Deadline; readonly timeoutMs: number },
): RunResult {
  const started = performance.now();
  const toId = req.toId === undefined ? newestId : Math.min(req.toId, newestId);
  g.denials.length = 0;
  bound?.deadline.set(bound.timeoutMs);
  g.setRuleMode(true);
  try {
    const { stmt, params } = cache.get(req.ruleId, req.sql);
    const values = { from_id: req.fromId, to_id: toId, now_us: req.nowUs };
    const bound: Record<string, number> = {};
    for (const k of params) bound[k] = values[k];
    const rows: Record<string, unknown>[] = [];
    let truncated = false;
    for (const row of stmt.iterate(bound)) {
      if (rows.length >= req.maxRows) {
        truncated = true;
        break;
      }
      rows.push({ ...(row as Record<string, unknown>) });
    }
    return { ruleId: req.ruleId, ok: true, rows, truncated, toId, ms: performance.now() - started };
  } catch (err) {
    cache.drop(req.ruleId);
    if (bound && isInterrupt(err))
      return { ruleId: req.ruleId, ok: false, error: runawayMessage(bound.timeoutMs), timedOut: true };
    const denied = g.denials.length ? ` (denied: ${[...new Set(g.denials)].join(', ')})` : '';
    return { ruleId: req.ruleId, ok: false, error: `${(err as Error).message}${denied}` };
  } finally {
    g.setRuleMode(false);
    bound?.deadline.set(0);
  }
}

/** A rule connection and what runs batches on it. */
export interface RuleSession {
  /** Whether runs are bounded here (else the parent must kill an overrun). */
  readonly bounded: boolean;
  runBatch(batch: readonly RunRequest[], send: (m: FromChild) => void): void;
}

/** Opens the rule connection on path; timeoutMs bounds each run when the deadline extension loads. */
export function openRuleSession(path: string, timeoutMs: number): RuleSession {
  const db = openDatabase(path, { readOnly: true, allowExtension: true });
  db.exec('PRAGMA query_only = ON');
  const deadline = Deadline.install(db);
  const g = guard(db);
  const cache = new StatementCache(db);
  const maxId = db.prepare(maxEventIdSql());
  const bound = deadline ? { deadline, timeoutMs } : undefined;
  return {
    bounded: bound !== undefined,
    runBatch(batch, send) {
      // One read transaction per batch: every rule sees the same snapshot, up to toId.
      db.exec('BEGIN');
      try {
        const toId = Number((maxId.get() as { id: number | bigint }).id);
        for (const req of batch) send({ type: 'result', result: runOne(cache, g, req, toId, bound) });
      } finally {
        db.exec('COMMIT');
      }
      send({ type: 'done' });
    },
  };
}
