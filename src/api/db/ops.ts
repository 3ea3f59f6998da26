/**
 * What the API asks of the database, as plain functions of a connection and
 * one structured-clonable argument, so the same code runs in the query worker
 * (keeping SQLite off the event loop that drains ring buffers) and inline.
 * Failures throw ApiDbError with a stable code the HTTP layer maps to a status.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Alert, Delivery, Severity } from '../../domain/rules/rule.ts';
import { ackAlert, deliveriesOf, deliverySummary, getAlert, listAlerts } from '../../store/alerts-store.ts';
import { countEvents, type EventFilter, queryEvents, type StoredEvent } from '../../store/event-query.ts';
import { type SummaryKey, type SummaryRow, summarizeEvents } from '../../store/event-summary.ts';
import { checkRule } from '../../store/rule-file.ts';
import {
  getRule,
  getRuleState,
  listRuleStates,
  listRules,
  type RuleState,
  removeRule,
  type StoredRule,
  setRuleEnabled,
  upsertRule,
} from '../../store/rules-store.ts';
import { ApiDbError } from './errors.ts';

export interface RuleWithState extends StoredRule {
  readonly state: RuleState | null;
}

export interface AlertWithDeliveries extends Alert {
  readonly deliveries: readonly Delivery[];
}

const nowUs = (): number => Date.now() * 1000;

function rule(db: DatabaseSync, id: string): RuleWithState {
  const r = getRule(db, id);
  if (!r) throw new ApiDbError('API_RULE_NOT_FOUND', `no rule with id ${id}`);
  return { ...r, state: getRuleState(db, id) ?? null };
}

export const DB_OPS = {
  events(db: DatabaseSync, f: EventFilter): StoredEvent[] {
    return queryEvents(db, f);
  },
  countEvents(db: DatabaseSync, f: EventFilter): number {
    return countEvents(db, f);
  },
  summary(db: DatabaseSync, a: { by: SummaryKey; filter: EventFilter }): SummaryRow[] {
    return summarizeEvents(db, a.by, a.filter);
  },
  alerts(
    db: DatabaseSync,
    f: { minSeverity?: Severity; ruleId?: string; sinceUs?: number; limit?: number },
  ): AlertWithDeliveries[] {
    const list = listAlerts(db, f);
    const d = deliverySummary(
      db,
      list.map((a) => a.id),
    );
    return list.map((a) => ({ ...a, deliveries: d.get(a.id) ?? [] }));
  },
  alert(db: DatabaseSync, id: number): AlertWithDeliveries {
    const a = getAlert(db, id);
    if (!a) throw new ApiDbError('API_ALERT_NOT_FOUND', `no alert with id ${id}`);
    return { ...a, deliveries: deliveriesOf(db, id) };
  },
  ackAlert(db: DatabaseSync, id: number): AlertWithDeliveries {
    if (!ackAlert(db, id, nowUs())) throw new ApiDbError('API_ALERT_NOT_FOUND', `no alert with id ${id}`);
    return DB_OPS.alert(db, id);
  },
  rules(db: DatabaseSync, _: null): RuleWithState[] {
    const states = listRuleStates(db);
    return listRules(db).map((r) => ({ ...r, state: states.get(r.id) ?? null }));
  },
  rule(db: DatabaseSync, id: string): RuleWithState {
    return rule(db, id);
  },
  /** Validates exactly as rule files are validated; `id` (from the URL) must match when given. */
  putRule(
    db: DatabaseSync,
    a: { definition: unknown; id?: string; mustExist?: boolean; mustNotExist?: boolean },
  ): { rule: RuleWithState; change: string } {
    let checked: ReturnType<typeof checkRule>;
    try {
      checked = checkRule(a.definition, 'rule');
    } catch (err) {
      throw new ApiDbError('API_RULE_INVALID', (err as Error).message);
    }
    if (a.id !== undefined && checked.rule.id !== a.id) {
      throw new ApiDbError(
        'API_RULE_INVALID',
        `rule: id: ${checked.rule.id} does not match the URL's ${a.id}`,
      );
    }
    const exists = getRule(db, checked.rule.id) !== undefined;
    if (a.mustExist && !exists)
      throw new ApiDbError('API_RULE_NOT_FOUND', `no rule with id ${checked.rule.id}`);
    if (a.mustNotExist && exists) {
      throw new ApiDbError(
        'API_RULE_EXISTS',
        `a rule with id ${checked.rule.id} exists (use PUT to replace it)`,
      );
    }
    const change = upsertRule(db, checked.rule, 'api', nowUs(), 'set-enabled');
    return { rule: rule(db, checked.rule.id), change };
  },
  setRuleEnabled(db: DatabaseSync, a: { id: string; enabled: boolean }): RuleWithState {
    if (!setRuleEnabled(db, a.id, a.enabled, nowUs())) {
      throw new ApiDbError('API_RULE_NOT_FOUND', `no rule with id ${a.id}`);
    }
    return rule(db, a.id);
  },
  removeRule(db: DatabaseSync, id: string): null {
    if (!removeRule(db, id)) throw new ApiDbError('API_RULE_NOT_FOUND', `no rule with id ${id}`);
    return null;
  },
} as const;

export type DbOps = typeof DB_OPS;
export type DbOpName = keyof DbOps;
export type DbOpArg<K extends DbOpName> = Parameters<DbOps[K]>[1];
export type DbOpResult<K extends DbOpName> = ReturnType<DbOps[K]>;
