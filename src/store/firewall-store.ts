/**
 * The firewall's desired state in SQLite (migration 9): rules, rate limit
 * settings and interfaces, each change committed with its change-log row.
 * Rules are stored as validated text and validated again when read, so a
 * row edited by hand cannot reach the kernel unchecked.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { FirewallError } from '../domain/enforce/firewall/errors.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from '../domain/enforce/firewall/ratelimit.ts';
import { type FirewallRule, ruleToJson } from '../domain/enforce/firewall/rule.ts';
import { requireRule } from '../domain/enforce/firewall/validate.ts';
import { num, type Row, str, strOrNull } from '../families/event-table.ts';
import { StoreError, sqliteMessage } from './store-error.ts';

export type FirewallWho = 'cli' | 'config' | 'api';
export type XdpModeWanted = 'auto' | 'drv' | 'skb';
export type XdpModeUsed = 'drv' | 'skb';

export interface ChangeAuthor {
  readonly who: FirewallWho;
  /** Who ran the command (SUDO_USER, else the uid), when known. */
  readonly user: string | null;
}

export interface StoredFirewallRule {
  readonly rule: FirewallRule;
  readonly source: FirewallWho;
  readonly createdUs: number;
}

export interface StoredRateLimit {
  readonly settings: RateLimitSettings;
  readonly source: FirewallWho | null;
  readonly updatedUs: number | null;
}

export interface StoredInterface {
  readonly name: string;
  readonly mode: XdpModeWanted;
  readonly attachedMode: XdpModeUsed | null;
  readonly source: FirewallWho;
  readonly updatedUs: number;
}

export type FirewallOp = 'add' | 'rm' | 'set' | 'clear' | 'attach' | 'detach';

export interface FirewallChange {
  readonly seq: number;
  readonly timeUs: number;
  readonly who: FirewallWho;
  readonly user: string | null;
  readonly op: FirewallOp;
  readonly target: string;
  readonly detail: unknown;
}

const who = (v: unknown): FirewallWho => (v === 'config' || v === 'api' ? v : 'cli');

function run<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof StoreError || err instanceof FirewallError) throw err;
    throw new StoreError('STORE_DB_QUERY', `${what} failed: ${sqliteMessage(err)}`, { cause: err });
  }
}

function ruleFromRow(r: Row): StoredFirewallRule {
  const rule = requireRule(
    {
      id: num(r.id),
      priority: num(r.priority),
      action: str(r.action),
      log: num(r.log) === 1,
      protocol: str(r.protocol),
      src: strOrNull(r.src),
      dst: strOrNull(r.dst),
      sport: strOrNull(r.sport),
      dport: strOrNull(r.dport),
      comment: str(r.comment),
    },
    (f) => `stored firewall rule ${num(r.id)}: ${f}`,
  );
  return { rule, source: who(r.source), createdUs: num(r.created_us) };
}

export class FirewallStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Runs f in a write transaction taken up front: concurrent writers (the
   * CLI, the agent) serialize here, which also serializes their writes to
   * the kernel maps when f performs them.
   */
  transaction<T>(what: string, f: () => T): T {
    return run(what, () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const out = f();
        this.#db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  rules(): StoredFirewallRule[] {
    return run('list firewall rules', () =>
      (this.#db.prepare('SELECT * FROM firewall_rules ORDER BY priority, id').all() as Row[]).map(
        ruleFromRow,
      ),
    );
  }

  rule(id: number): StoredFirewallRule | undefined {
    return run('read firewall rule', () => {
      const r = this.#db.prepare('SELECT * FROM firewall_rules WHERE id = ?').get(id) as Row | undefined;
      return r ? ruleFromRow(r) : undefined;
    });
  }

  /** Inserts or replaces a rule and logs it (add, or set when the id existed). */
  putRule(rule: FirewallRule, author: ChangeAuthor, nowUs: number): void {
    run('store firewall rule', () => {
      const existed = this.rule(rule.id) !== undefined;
      const j = ruleToJson(rule);
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO firewall_rules
             (id, priority, action, log, protocol, src, dst, sport, dport, comment, source, created_us)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          j.id,
          j.priority,
          j.action,
          j.log ? 1 : 0,
          j.protocol,
          j.src,
          j.dst,
          j.sport,
          j.dport,
          j.comment,
          author.who,
          nowUs,
        );
      this.#log(author, nowUs, existed ? 'set' : 'add', String(rule.id), j);
    });
  }

  /** Removes a rule and logs it; false when there was none. */
  deleteRule(id: number, author: ChangeAuthor, nowUs: number): boolean {
    return run('remove firewall rule', () => {
      const old = this.rule(id);
      if (!old) return false;
      this.#db.prepare('DELETE FROM firewall_rules WHERE id = ?').run(id);
      this.#log(author, nowUs, 'rm', String(id), ruleToJson(old.rule));
      return true;
    });
  }

  rateLimit(): StoredRateLimit {
    return run('read rate limit settings', () => {
      const r = this.#db.prepare('SELECT * FROM firewall_ratelimit WHERE id = 1').get() as Row | undefined;
      if (!r) return { settings: DEFAULT_RATE_LIMIT, source: null, updatedUs: null };
      return {
        settings: {
          rate: num(r.rate),
          burst: num(r.burst),
          synRate: num(r.syn_rate),
          synBurst: num(r.syn_burst),
          logRate: num(r.log_rate),
          logBurst: num(r.log_burst),
        },
        source: who(r.source),
        updatedUs: num(r.updated_us),
      };
    });
  }

  setRateLimit(s: RateLimitSettings, author: ChangeAuthor, nowUs: number, op: 'set' | 'clear' = 'set'): void {
    run('store rate limit settings', () => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO firewall_ratelimit
             (id, rate, burst, syn_rate, syn_burst, log_rate, log_burst, source, updated_us)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(s.rate, s.burst, s.synRate, s.synBurst, s.logRate, s.logBurst, author.who, nowUs);
      this.#log(author, nowUs, op, 'ratelimit', s);
    });
  }

  interfaces(): StoredInterface[] {
    return run('list firewall interfaces', () =>
      (this.#db.prepare('SELECT * FROM firewall_interfaces ORDER BY name').all() as Row[]).map((r) => {
        const mode = str(r.mode);
        const used = strOrNull(r.attached_mode);
        return {
          name: str(r.name),
          mode: mode === 'drv' || mode === 'skb' ? mode : 'auto',
          attachedMode: used === 'drv' || used === 'skb' ? used : null,
          source: who(r.source),
          updatedUs: num(r.updated_us),
        };
      }),
    );
  }

  /** Records an interface as attached (logged as attach). */
  putInterface(
    name: string,
    mode: XdpModeWanted,
    used: XdpModeUsed | null,
    author: ChangeAuthor,
    nowUs: number,
  ): void {
    run('store firewall interface', () => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO firewall_interfaces (name, mode, attached_mode, source, updated_us)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(name, mode, used, author.who, nowUs);
      this.#log(author, nowUs, 'attach', name, { mode, attachedMode: used });
    });
  }

  /** Notes the mode the kernel took at a re-attach (not a change of the desired state: not logged). */
  setAttachedMode(name: string, used: XdpModeUsed | null): void {
    run('update firewall interface', () => {
      this.#db.prepare('UPDATE firewall_interfaces SET attached_mode = ? WHERE name = ?').run(used, name);
    });
  }

  deleteInterface(name: string, author: ChangeAuthor, nowUs: number): boolean {
    return run('remove firewall interface', () => {
      const r = this.#db.prepare('DELETE FROM firewall_interfaces WHERE name = ?').run(name);
      if (Number(r.changes) === 0) return false;
      this.#log(author, nowUs, 'detach', name, null);
      return true;
    });
  }

  changes(limit = 100): FirewallChange[] {
    return run('list firewall changes', () =>
      (
        this.#db
          .prepare('SELECT * FROM (SELECT * FROM firewall_changes ORDER BY seq DESC LIMIT ?) ORDER BY seq')
          .all(limit) as Row[]
      ).map((r) => ({
        seq: num(r.seq),
        timeUs: num(r.time_us),
        who: who(r.who),
        user: strOrNull(r.user),
        op: str(r.op) as FirewallOp,
        target: str(r.target),
        detail: r.detail_json === null ? null : (JSON.parse(str(r.detail_json)) as unknown),
      })),
    );
  }

  #log(author: ChangeAuthor, nowUs: number, op: FirewallOp, target: string, detail: unknown): void {
    const args: SQLInputValue[] = [
      nowUs,
      author.who,
      author.user,
      op,
      target,
      detail === null ? null : JSON.stringify(detail),
    ];
    this.#db
      .prepare(
        'INSERT INTO firewall_changes (time_us, who, user, op, target, detail_json) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(...args);
  }
}
