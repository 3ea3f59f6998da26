/**
 * The rule runner: a child process with its own read-only connection. The
 * authorizer admits only SELECT, reads of the event tables and columns, and
 * the whitelisted functions; everything else fails at prepare time. The
 * parent kills this process when a rule overruns its time bound (node:sqlite
 * cannot interrupt a statement, and a worker thread cannot be terminated
 * while one runs), so a runaway rule never stalls capture.
 *
 * argv: <database path>
 */
import { constants, type DatabaseSync, type StatementSync } from 'node:sqlite';
import { RULE_FUNCTIONS } from '../../domain/rules/catalog.ts';
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

function paramsFor(sql: string, req: RunRequest, toId: number): Record<string, number> {
  const out: Record<string, number> = {};
  const all = { from_id: req.fromId, to_id: toId, now_us: req.nowUs };
  for (const [k, v] of Object.entries(all)) if (new RegExp(`[:@$]${k}\\b`, 'i').test(sql)) out[k] = v;
  return out;
}

export function runOne(
  db: DatabaseSync,
  g: ReturnType<typeof guard>,
  req: RunRequest,
  toId: number,
): RunResult {
  const started = performance.now();
  g.denials.length = 0;
  g.setRuleMode(true);
  let stmt: StatementSync;
  try {
    stmt = db.prepare(req.sql);
    stmt.setReadBigInts(true);
    const rows: Record<string, unknown>[] = [];
    let truncated = false;
    for (const row of stmt.iterate(paramsFor(req.sql, req, toId))) {
      if (rows.length >= req.maxRows) {
        truncated = true;
        break;
      }
      rows.push({ ...(row as Record<string, unknown>) });
    }
    return { ruleId: req.ruleId, ok: true, rows, truncated, toId, ms: performance.now() - started };
  } catch (err) {
    const denied = g.denials.length ? ` (denied: ${[...new Set(g.denials)].join(', ')})` : '';
    return { ruleId: req.ruleId, ok: false, error: `${(err as Error).message}${denied}` };
  } finally {
    g.setRuleMode(false);
  }
}

function main(): void {
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
  const maxId = db.prepare(maxEventIdSql());
  process.on('message', (m: ToChild) => {
    if (m.type !== 'run') return;
    // One read transaction per batch: every rule sees the same snapshot, up to toId.
    db.exec('BEGIN');
    try {
      const toId = Number((maxId.get() as { id: number | bigint }).id);
      for (const req of m.batch) send({ type: 'result', result: runOne(db, g, req, toId) });
    } finally {
      db.exec('COMMIT');
    }
    send({ type: 'done' });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

if (process.send) main();
