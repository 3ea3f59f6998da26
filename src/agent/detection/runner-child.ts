/**
 * The rule runner: a child process with its own read-only connection. The
 * authorizer admits only SELECT, reads of the event tables and columns, and
 * the whitelisted functions; everything else fails at prepare time. The
 * parent kills this process when a rule overruns its time bound (node:sqlite
 * cannot interrupt a statement, and a worker thread cannot be terminated
 * while one runs), so a runaway rule never stalls capture.
 *
 * argv: <database path> <parent pid>
 */
import { constants, type DatabaseSync, type StatementSync } from 'node:sqlite';
import { RULE_FUNCTIONS } from '../../domain/rules/catalog.ts';
import { nativeBridge } from '../../ebpf/native.ts';
import { openDatabase } from '../../store/database.ts';
import { maxEventIdSql } from '../../store/event-ids.ts';
import { RULE_CATALOG } from '../../store/rule-catalog.ts';
import type { FromChild, RunRequest, RunResult, ToChild } from './runner-protocol.ts';

const send = (m: FromChild): void => {
  process.send?.(m);
};

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

export function runOne(
  cache: StatementCache,
  g: ReturnType<typeof guard>,
  req: RunRequest,
  newestId: number,
): RunResult {
  const started = performance.now();
  const toId = req.toId === undefined ? newestId : Math.min(req.toId, newestId);
  g.denials.length = 0;
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
    const denied = g.denials.length ? ` (denied: ${[...new Set(g.denials)].join(', ')})` : '';
    return { ruleId: req.ruleId, ok: false, error: `${(err as Error).message}${denied}` };
  } finally {
    g.setRuleMode(false);
  }
}

const SIGKILL = 9;

/**
 * Dies with the agent: a statement runs synchronously, so this process would
 * notice the IPC channel closing only once it ends. The kernel's parent-death
 * signal does not wait; a parent that died before it was set is caught by
 * the ppid check. Without the native bridge, the disconnect still ends us.
 */
function dieWithParent(parentPid: number): void {
  try {
    nativeBridge().setParentDeathSignal(SIGKILL);
  } catch {
    // No bridge here: rely on the disconnect.
  }
  if (parentPid > 0 && process.ppid !== parentPid) process.exit(0);
}

function main(): void {
  dieWithParent(Number(process.argv[3] ?? 0));
  const path = process.argv[2];
  if (!path) {
    send({ type: 'fatal', error: 'no database path given' });
    process.exit(2);
  }
  let db: DatabaseSync;
  try {
    db = openDatabase(path, { readOnly: true });
    db.exec('PRAGMA query_only = ON');
  } catch (err) {
    send({ type: 'fatal', error: (err as Error).message });
    process.exit(1);
  }
  const g = guard(db);
  const cache = new StatementCache(db);
  const maxId = db.prepare(maxEventIdSql());
  process.on('message', (m: ToChild) => {
    if (m.type !== 'run') return;
    // One read transaction per batch: every rule sees the same snapshot, up to toId.
    db.exec('BEGIN');
    try {
      const toId = Number((maxId.get() as { id: number | bigint }).id);
      for (const req of m.batch) send({ type: 'result', result: runOne(cache, g, req, toId) });
    } finally {
      db.exec('COMMIT');
    }
    send({ type: 'done' });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

if (process.send) main();
