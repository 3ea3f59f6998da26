/**
 * The detection engine inside the agent. Rules read new events through the
 * new_* sources (rows with watermark < id <= the newest id when the run
 * starts) and may correlate over the full tables by time (:now_us). Each
 * run's alerts, their pending deliveries and the rule's new watermark commit
 * in one transaction: a crash repeats or loses nothing. Rules run in a
 * child process (rule-runner.ts), so capture never waits on them.
 *
 * Two lanes: the cheap rules run together in one pass, paced by the pass's
 * cost; a rule slower than rules.slowRuleMs runs alone in a second runner,
 * paced by its own cost (rule-costs.ts), so it never holds the others back.
 * The second runner exists only while some rule is slow.
 */
import type { DatabaseSync } from 'node:sqlite';
import { type HistogramSnapshot, LogHistogram } from '../../domain/histogram.ts';
import { draftAlert } from '../../domain/rules/alert-draft.ts';
import { nextPauseMs } from '../../domain/rules/pace.ts';
import { type Route, routeAlert } from '../../domain/rules/routing.ts';
import type { Rule } from '../../domain/rules/rule.ts';
import { RuleCosts } from '../../domain/rules/rule-costs.ts';
import { type ValidatedQuery, validateRuleQuery } from '../../domain/rules/validate.ts';
import type { Sink } from '../../sinks/sink.ts';
import { insertAlerts, type RoutedDraft } from '../../store/alerts-store.ts';
import { openDatabase } from '../../store/database.ts';
import { eventTypesByIds, maxEventId } from '../../store/event-ids.ts';
import { Outbox } from '../../store/outbox.ts';
import { eventTypesOf, RULE_CATALOG, withNewEventSources } from '../../store/rule-catalog.ts';
import { loadRuleDirectories } from '../../store/rule-file.ts';
import {
  listRuleStates,
  listRules,
  recordRuleFailure,
  recordRuleRun,
  recordRuleSlow,
  type StoredRule,
  upsertRule,
} from '../../store/rules-store.ts';
import type { AlertsConfig, RulesConfig } from './config.ts';
import { defaultRuleDirectories } from './config.ts';
import { Dispatcher } from './dispatcher.ts';
import { RuleRunner } from './rule-runner.ts';
import type { RunRequest, RunResult } from './runner-protocol.ts';
import { createSink } from './sinks-from-config.ts';

export interface EngineOptions {
  /**
   * A writable connection for alerts and rule state; by default the engine
   * opens (and closes) its own on dbPath, beside the event writer's.
   */
  readonly db?: DatabaseSync;
  readonly dbPath: string;
  readonly rules: RulesConfig;
  readonly alerts: AlertsConfig;
  readonly log: (line: string) => void;
  /** Sinks by name instead of from config (tests). */
  readonly sinks?: readonly Sink[];
}

export interface EngineStats {
  runs: number;
  alerts: number;
  suppressed: number;
  ruleFailures: number;
  runaway: number;
}

interface Compiled {
  readonly rule: StoredRule;
  readonly sql: string;
  readonly types: readonly string[];
}

const RELOAD_MS = 1000;

export class DetectionEngine {
  readonly #o: EngineOptions & { readonly db: DatabaseSync };
  readonly #ownsDb: boolean;
  readonly #runner: RuleRunner;
  /** Runs the slow rules, one at a time. */
  readonly #slowRunner: RuleRunner;
  readonly #costs: RuleCosts;
  /** Rules whose run is under way in either lane. */
  readonly #inFlight = new Set<string>();
  #slowTimer: NodeJS.Timeout | undefined;
  #slowRunning: Promise<void> | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #routes: readonly Route[];
  readonly #cache = new Map<string, { query: string; compiled: Compiled | undefined }>();
  #rules: Compiled[] = [];
  #loadedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  /** Rule id -> earliest time (ms) of its next run after a failure. */
  readonly #backoff = new Map<string, number>();
  readonly stats: EngineStats = { runs: 0, alerts: 0, suppressed: 0, ruleFailures: 0, runaway: 0 };
  /** Per rule, how long its successful runs took (µs), since start. */
  readonly #runUs = new Map<string, LogHistogram>();

  constructor(options: EngineOptions) {
    this.#ownsDb = options.db === undefined;
    const o = { ...options, db: options.db ?? openDatabase(options.dbPath) };
    this.#o = o;
    this.#runner = new RuleRunner(o.dbPath, { timeoutMs: o.rules.timeoutMs });
    this.#slowRunner = new RuleRunner(o.dbPath, { timeoutMs: o.rules.timeoutMs });
    this.#costs = new RuleCosts(o.rules);
    const sinkConfigs = new Map(o.alerts.sinks.map((s) => [s.name, s]));
    const sinks = o.sinks ?? o.alerts.sinks.map((c) => createSink(c));
    this.#dispatcher = new Dispatcher(
      new Outbox(o.db),
      sinks.map((sink) => {
        const c = sinkConfigs.get(sink.name);
        return {
          sink,
          policy: {
            retry: c?.retry ?? { baseMs: 500, maxMs: 300_000, maxAttempts: 50 },
            breaker: c?.breaker ?? { threshold: 5, cooldownMs: 30_000 },
            concurrency: c?.concurrency ?? 4,
          },
        };
      }),
      o.log,
    );
    const names = sinks.map((s) => s.name);
    this.#routes = o.alerts.routes.length ? o.alerts.routes : [{ sinks: names }];
  }

  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** Run time distribution (µs) per rule id, for metrics. */
  ruleRunTimes(): Map<string, HistogramSnapshot> {
    return new Map([...this.#runUs].map(([id, h]) => [id, h.snapshot()]));
  }

  /** Whether the engine runs this rule on its own (slower than rules.slowRuleMs). */
  isSlow(ruleId: string): boolean {
    return this.#costs.isSlow(ruleId);
  }

  /** The rules whose run is under way, in either lane. */
  running(): string[] {
    return [...this.#inFlight];
  }

  /** Loads rule files into the database, then starts running rules and delivering alerts. */
  start(): void {
    this.#stopped = false;
    this.syncRuleFiles();
    this.#dispatcher.start();
    this.#schedule(0);
  }

  /** Upserts every valid rule from the configured directories; reports bad files. */
  syncRuleFiles(): void {
    const dirs = this.#o.rules.directory ?? defaultRuleDirectories();
    const { rules, errors } = loadRuleDirectories(dirs);
    for (const e of errors) this.#o.log(`rules: ${e}`);
    const nowUs = Date.now() * 1000;
    let added = 0;
    let updated = 0;
    for (const { checked, source } of rules) {
      try {
        const r = upsertRule(this.#o.db, checked.rule, source, nowUs);
        if (r === 'added') added++;
        if (r === 'updated') updated++;
      } catch (err) {
        this.#o.log(`rules: cannot store rule ${checked.rule.id}: ${(err as Error).message}`);
      }
    }
    this.#loadedAt = 0;
    this.#o.log(
      `rules: ${rules.length} from ${dirs.join(', ')} (${added} added, ${updated} updated)${errors.length ? `, ${errors.length} rejected` : ''}`,
    );
  }

  /** Stops running rules and delivering; what is pending stays in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#slowTimer);
    this.#dispatcher.stop();
    this.#runner.close();
    this.#slowRunner.close();
    await this.#running?.catch(() => undefined);
    await this.#slowRunning?.catch(() => undefined);
    if (this.#ownsDb) this.#o.db.close();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const started = performance.now();
      this.#running = this.runOnce()
        .catch((err: unknown) => this.#o.log(`rules: run failed: ${(err as Error).message}`))
        .finally(() => {
          this.#running = undefined;
          this.#schedule(nextPauseMs(performance.now() - started, this.#o.rules));
        });
    }, ms);
  }

  /** The slow lane: wakes when a slow rule is due; idle (and its runner closed) while none is slow. */
  #scheduleSlow(): void {
    if (this.#stopped || this.#slowRunning) return;
    clearTimeout(this.#slowTimer);
    const due = this.#costs.nextSlowDueMs();
    if (due === undefined) {
      this.#slowRunner.close();
      return;
    }
    const wait = Math.max(this.#o.rules.intervalMs, due - Date.now());
    this.#slowTimer = setTimeout(() => {
      this.#slowRunning = this.runSlowOnce()
        .catch((err: unknown) => this.#o.log(`rules: slow rule run failed: ${(err as Error).message}`))
        .finally(() => {
          this.#slowRunning = undefined;
          this.#scheduleSlow();
        });
    }, wait);
  }

  #compile(rule: StoredRule): Compiled | undefined {
    const cached = this.#cache.get(rule.id);
    if (cached && cached.query === rule.query) {
      return cached.compiled ? { ...cached.compiled, rule } : undefined;
    }
    const v = validateRuleQuery(rule.query, RULE_CATALOG);
    let compiled: Compiled | undefined;
    if (v.ok) {
      compiled = {
        rule,
        sql: withNewEventSources(rule.query, v.query.newSources, v.query.hasWith),
        types: typesOf(v.query),
      };
    } else {
      this.#o.log(`rules: rule ${rule.id} has an invalid query and is skipped: ${v.violations[0]?.message}`);
    }
    this.#cache.set(rule.id, { query: rule.query, compiled });
    return compiled;
  }

  #reload(): void {
    if (Date.now() - this.#loadedAt < RELOAD_MS) return;
    this.#loadedAt = Date.now();
    this.#rules = listRules(this.#o.db)
      .filter((r) => r.enabled)
      .map((r) => this.#compile(r))
      .filter((c): c is Compiled => c !== undefined);
    this.#costs.keepOnly(new Set(this.#rules.map((c) => c.rule.id)));
  }

  /** The rules of one lane that have new events to see and are not waiting out a failure. */
  #ready(slow: boolean, nowMs: number): { requests: RunRequest[]; byId: Map<string, Compiled> } {
    const newest = maxEventId(this.#o.db);
    const states = listRuleStates(this.#o.db);
    const requests: RunRequest[] = [];
    const byId = new Map<string, Compiled>();
    for (const c of this.#rules) {
      const id = c.rule.id;
      if (this.#costs.isSlow(id) !== slow || this.#inFlight.has(id)) continue;
      const wm = states.get(id)?.watermark ?? 0;
      if (wm >= newest) continue;
      if ((this.#backoff.get(id) ?? 0) > nowMs) continue;
      requests.push({
        ruleId: id,
        sql: c.sql,
        fromId: wm,
        nowUs: nowMs * 1000,
        maxRows: this.#o.rules.maxRows,
      });
      byId.set(id, c);
    }
    return { requests, byId };
  }

  /** One pass of the shared lane: every cheap enabled rule with new events to see. */
  async runOnce(): Promise<void> {
    this.#reload();
    if (this.#rules.length === 0) return;
    const nowMs = Date.now();
    const { requests, byId } = this.#ready(false, nowMs);
    await this.#runLane(this.#runner, requests, byId, nowMs * 1000);
  }

  /** One run of the slow lane: the slow rule due first, alone. */
  async runSlowOnce(): Promise<void> {
    this.#reload();
    const nowMs = Date.now();
    const { requests, byId } = this.#ready(true, nowMs);
    const id = this.#costs.dueSlow(byId.keys(), nowMs);
    const req = requests.find((r) => r.ruleId === id);
    if (!req) return;
    await this.#runLane(this.#slowRunner, [req], byId, nowMs * 1000);
  }

  async #runLane(
    runner: RuleRunner,
    batch: RunRequest[],
    byId: Map<string, Compiled>,
    nowUs: number,
  ): Promise<void> {
    if (batch.length === 0) return;
    for (const r of batch) this.#inFlight.add(r.ruleId);
    let results: RunResult[];
    try {
      results = await runner.run(batch);
    } finally {
      for (const r of batch) this.#inFlight.delete(r.ruleId);
    }
    if (this.#stopped) return;
    this.#commit(results, byId, nowUs);
  }

  /** Moves rules between lanes by the cost of this run; true when one changed lanes. */
  #observeCost(r: RunResult): boolean {
    if (r.ok) return this.#costs.observe(r.ruleId, r.ms, Date.now());
    if (r.timedOut) return this.#costs.observe(r.ruleId, this.#o.rules.timeoutMs, Date.now(), true);
    return false;
  }

  #commit(results: readonly RunResult[], byId: Map<string, Compiled>, nowUs: number): void {
    const db = this.#o.db;
    let inserted = 0;
    let moved = false;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const r of results) {
        const c = byId.get(r.ruleId);
        if (!c) continue;
        if (this.#observeCost(r)) {
          moved = true;
          const slow = this.#costs.isSlow(r.ruleId);
          recordRuleSlow(db, r.ruleId, slow);
          this.#o.log(
            slow
              ? `rules: rule ${r.ruleId} runs on its own from now: its run took ${Math.round(r.ok ? r.ms : this.#o.rules.timeoutMs)} ms (rules.slowRuleMs ${this.#o.rules.slowRuleMs}); it is paced by its own cost`
              : `rules: rule ${r.ruleId} runs with the others again (about ${Math.round(this.#costs.costMs(r.ruleId) ?? 0)} ms per run)`,
          );
        }
        if (!r.ok) {
          if (r.skipped) continue;
          this.stats.ruleFailures++;
          if (r.timedOut) this.stats.runaway++;
          const disabled = recordRuleFailure(
            db,
            r.ruleId,
            r.error,
            nowUs,
            this.#o.rules.maxConsecutiveFailures,
          );
          this.#o.log(`rules: rule ${r.ruleId} failed: ${r.error}${disabled ? ' — rule disabled' : ''}`);
          const fails = (this.#backoff.has(r.ruleId) ? 2 : 1) * 1000;
          this.#backoff.set(r.ruleId, Date.now() + fails);
          if (disabled) this.#loadedAt = 0;
          continue;
        }
        this.#backoff.delete(r.ruleId);
        this.stats.runs++;
        const h = this.#runUs.get(r.ruleId) ?? new LogHistogram();
        this.#runUs.set(r.ruleId, h);
        h.record(r.ms * 1000);
        if (r.truncated)
          this.#o.log(
            `rules: rule ${r.ruleId} returned more than ${r.rows.length} rows; the rest were dropped`,
          );
        const drafts: RoutedDraft[] = r.rows.map((row) => {
          const draft = draftAlert(c.rule as Rule, row, nowUs, c.types, (ids) => eventTypesByIds(db, ids));
          return { draft, sinks: routeAlert(this.#routes, draft), throttleMs: c.rule.throttleMs };
        });
        const res = insertAlerts(db, drafts, nowUs);
        inserted += res.inserted.length;
        this.stats.alerts += res.inserted.length;
        this.stats.suppressed += res.suppressed;
        recordRuleRun(db, r.ruleId, r.toId, res.inserted.length, nowUs, r.ms);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
    if (inserted > 0) this.#dispatcher.kick();
    if (moved) this.#scheduleSlow();
  }
}

function typesOf(q: ValidatedQuery): string[] {
  const tables = [...q.tables, ...q.newSources.map((s) => RULE_CATALOG.newEventSources.get(s) ?? '')];
  return [...new Set(tables.flatMap((t) => eventTypesOf(t)))];
}
