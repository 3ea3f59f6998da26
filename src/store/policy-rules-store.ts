/**
 * Egress and exec policy rules in SQLite, and the log of every change to
 * them. Rules are stored in their written form (validated by the caller);
 * each change and its log row commit in one transaction.
 */
import type { DatabaseSync } from 'node:sqlite';
import { num, type Row, str, strOrNull } from '../families/event-table.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export type PolicyKind = 'egress' | 'exec';
export type PolicySource = 'cli' | 'config' | 'api';

export interface StoredPolicyRule {
  readonly id: number;
  readonly kind: PolicyKind;
  readonly source: PolicySource;
  /** The rule as written, without its id (JSON object). */
  readonly body: Record<string, unknown>;
  readonly createdUs: number;
  readonly updatedUs: number;
}

export interface PolicyChange {
  readonly seq: number;
  readonly timeUs: number;
  readonly actor: string;
  readonly user: string | null;
  readonly op: 'add' | 'rm' | 'replace';
  readonly kind: PolicyKind;
  readonly ruleId: number;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

/** Who made a change: the CLI (with the user running it) or the configuration file. */
export interface ChangeAuthor {
  readonly actor: PolicySource;
  readonly user: string | null;
}

function parseObject(v: string | null): Record<string, unknown> | null {
  if (v === null) return null;
  try {
    const o: unknown = JSON.parse(v);
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sourceOf(s: string): PolicySource {
  return s === 'config' || s === 'api' ? s : 'cli';
}

function ruleFromRow(r: Row): StoredPolicyRule {
  return {
    id: num(r.id),
    kind: str(r.kind) === 'exec' ? 'exec' : 'egress',
    source: sourceOf(str(r.source)),
    body: parseObject(str(r.rule_json)) ?? {},
    createdUs: num(r.created_us),
    updatedUs: num(r.updated_us),
  };
}

function run<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('STORE_DB_QUERY', `${what} failed: ${sqliteMessage(err)}`, { cause: err });
  }
}

/** Runs f in a write transaction (taken up front, so concurrent CLI runs serialize). */
function transaction<T>(db: DatabaseSync, what: string, f: () => T): T {
  return run(what, () => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = f();
      db.exec('COMMIT');
      return out;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  });
}

export function listPolicyRules(db: DatabaseSync, kind?: PolicyKind): StoredPolicyRule[] {
  return run('list policy rules', () =>
    (kind
      ? (db.prepare('SELECT * FROM policy_rules WHERE kind = ? ORDER BY id').all(kind) as Row[])
      : (db.prepare('SELECT * FROM policy_rules ORDER BY id').all() as Row[])
    ).map(ruleFromRow),
  );
}

export function getPolicyRule(db: DatabaseSync, id: number): StoredPolicyRule | undefined {
  return run('read policy rule', () => {
    const r = db.prepare('SELECT * FROM policy_rules WHERE id = ?').get(id) as Row | undefined;
    return r ? ruleFromRow(r) : undefined;
  });
}

function logChange(
  db: DatabaseSync,
  author: ChangeAuthor,
  nowUs: number,
  op: PolicyChange['op'],
  kind: PolicyKind,
  id: number,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): void {
  db.prepare(
    `INSERT INTO policy_changes (time_us, actor, user, op, kind, rule_id, before_json, after_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    nowUs,
    author.actor,
    author.user,
    op,
    kind,
    id,
    before && JSON.stringify(before),
    after && JSON.stringify(after),
  );
}

/** The next id: above every id ever used, so a removed rule's id never names another rule. */
function nextId(db: DatabaseSync): number {
  const r = db
    .prepare(
      `SELECT MAX(COALESCE((SELECT MAX(id) FROM policy_rules), 0),
                  COALESCE((SELECT MAX(rule_id) FROM policy_changes), 0)) AS m`,
    )
    .get() as { m: number };
  return Number(r.m) + 1;
}

/** Adds a rule from the CLI; returns its id. */
export function addPolicyRule(
  db: DatabaseSync,
  kind: PolicyKind,
  body: Record<string, unknown>,
  author: ChangeAuthor,
  nowUs: number,
): number {
  return transaction(db, 'add policy rule', () => {
    const id = nextId(db);
    db.prepare(
      'INSERT INTO policy_rules (id, kind, source, rule_json, created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(id, kind, author.actor, JSON.stringify(body), nowUs, nowUs);
    logChange(db, author, nowUs, 'add', kind, id, null, body);
    return id;
  });
}

/** Removes a rule; returns it, or undefined when there was none with this id. */
export function removePolicyRule(
  db: DatabaseSync,
  id: number,
  author: ChangeAuthor,
  nowUs: number,
): StoredPolicyRule | undefined {
  return transaction(db, 'remove policy rule', () => {
    const r = getPolicyRule(db, id);
    if (!r) return undefined;
    db.prepare('DELETE FROM policy_rules WHERE id = ?').run(id);
    logChange(db, author, nowUs, 'rm', r.kind, id, r.body, null);
    return r;
  });
}

export interface ConfigRule {
  readonly id: number;
  readonly kind: PolicyKind;
  readonly body: Record<string, unknown>;
}

export interface ConfigSyncResult {
  readonly added: number[];
  readonly replaced: number[];
  readonly removed: number[];
}

/**
 * Makes the config-sourced rules match the file: adds new ones, replaces
 * changed ones (and a CLI rule with the same id: the file wins), removes
 * config rules no longer in it. Unchanged rules are not logged.
 */
export function syncConfigRules(
  db: DatabaseSync,
  rules: readonly ConfigRule[],
  user: string | null,
  nowUs: number,
): ConfigSyncResult {
  const author: ChangeAuthor = { actor: 'config', user };
  return transaction(db, 'record policy rules from the configuration', () => {
    const out = { added: [] as number[], replaced: [] as number[], removed: [] as number[] };
    const wanted = new Map(rules.map((r) => [r.id, r]));
    for (const existing of listPolicyRules(db)) {
      if (existing.source === 'config' && !wanted.has(existing.id)) {
        db.prepare('DELETE FROM policy_rules WHERE id = ?').run(existing.id);
        logChange(db, author, nowUs, 'rm', existing.kind, existing.id, existing.body, null);
        out.removed.push(existing.id);
      }
    }
    for (const r of rules) {
      const existing = getPolicyRule(db, r.id);
      const json = JSON.stringify(r.body);
      if (!existing) {
        db.prepare(
          `INSERT INTO policy_rules (id, kind, source, rule_json, created_us, updated_us)
           VALUES (?, ?, 'config', ?, ?, ?)`,
        ).run(r.id, r.kind, json, nowUs, nowUs);
        logChange(db, author, nowUs, 'add', r.kind, r.id, null, r.body);
        out.added.push(r.id);
      } else if (
        existing.source !== 'config' ||
        existing.kind !== r.kind ||
        JSON.stringify(existing.body) !== json
      ) {
        db.prepare(
          `UPDATE policy_rules SET kind = ?, source = 'config', rule_json = ?, updated_us = ? WHERE id = ?`,
        ).run(r.kind, json, nowUs, r.id);
        logChange(db, author, nowUs, 'replace', r.kind, r.id, existing.body, r.body);
        out.replaced.push(r.id);
      }
    }
    return out;
  });
}

export function listPolicyChanges(
  db: DatabaseSync,
  opts: { ruleId?: number; limit?: number } = {},
): PolicyChange[] {
  const limit = opts.limit ?? 100;
  const rows = run('list policy changes', () =>
    opts.ruleId === undefined
      ? (db.prepare('SELECT * FROM policy_changes ORDER BY seq DESC LIMIT ?').all(limit) as Row[])
      : (db
          .prepare('SELECT * FROM policy_changes WHERE rule_id = ? ORDER BY seq DESC LIMIT ?')
          .all(opts.ruleId, limit) as Row[]),
  );
  return rows.reverse().map((r) => ({
    seq: num(r.seq),
    timeUs: num(r.time_us),
    actor: str(r.actor),
    user: strOrNull(r.user),
    op: str(r.op) as PolicyChange['op'],
    kind: str(r.kind) === 'exec' ? 'exec' : 'egress',
    ruleId: num(r.rule_id),
    before: parseObject(strOrNull(r.before_json)),
    after: parseObject(strOrNull(r.after_json)),
  }));
}
