/**
 * Changing the egress and exec policy directly (the CLI, with or without a
 * running agent): validate, record with a change-log row, then make the
 * kernel tables match through the pins (loading the programs if a kind had
 * none yet). The agent reads the same records, so it never undoes a change.
 */

import { compileEgress } from '../../domain/enforce/policy/compile-egress.ts';
import { compileExec } from '../../domain/enforce/policy/compile-exec.ts';
import { PolicyCompileError } from '../../domain/enforce/policy/compiled.ts';
import type { PolicyKind } from '../../domain/enforce/policy/rule.ts';
import type { RuleIssue } from '../../domain/enforce/policy/rule-input.ts';
import { systemLocalClock } from '../../domain/enforce/policy/time-window.ts';
import type { NativeBridge } from '../../ebpf/index.ts';
import { cgroup2Root } from '../../host/cgroup.ts';
import { openDatabase } from '../../store/database.ts';
import {
  addPolicyRule,
  type ChangeAuthor,
  getPolicyRule,
  type PolicySource,
  removePolicyRule,
  type StoredPolicyRule,
} from '../../store/policy-rules-store.ts';
import { PolicyError } from './errors.ts';
import type { ApplyReport } from './policy-component.ts';
import { readPolicyRules, ruleOf } from './policy-rules.ts';
import { type PolicyComponents, policyComponents } from './policy-service.ts';
import { hostResolvers, resolveBinary, resolveCgroup } from './resolvers.ts';
import { EgressRuleBodySchema, ExecRuleBodySchema } from './rule-schema.ts';

export interface AdminContext {
  readonly dbPath: string;
  readonly pinRoot: string;
  /** Needed to touch the kernel; commands that only read the database do without. */
  readonly bridge?: NativeBridge;
  readonly user: string;
  /** Recorded as the source of rules added and the actor of changes: 'cli' or 'api'. */
  readonly actor: Exclude<PolicySource, 'config'>;
  readonly eventsPerSecondPerRule?: number;
}

export type KindReports = Partial<Record<PolicyKind, ApplyReport>>;

/** Body issues found by the schema or by looking at the host (cgroup, binary); `field` is the first's. */
export class RuleInputError extends PolicyError {
  readonly issues: readonly RuleIssue[];
  constructor(issues: readonly RuleIssue[]) {
    super('POLICY_BAD_RULE', issues.map((i) => `${i.field}: ${i.message}`).join('; '), {
      field: issues[0]?.field,
    });
    this.issues = issues;
  }
}

/** Validates a rule body as the CLI built it; throws RuleInputError naming each bad field. */
export function checkBody(kind: PolicyKind, body: Record<string, unknown>): Record<string, unknown> {
  const schema = kind === 'egress' ? EgressRuleBodySchema : ExecRuleBodySchema;
  const parsed = schema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    throw new RuleInputError(
      parsed.error.issues.map((i) => ({
        field: i.path.length ? i.path.join('.') : i.code === 'unrecognized_keys' ? i.keys.join(',') : 'rule',
        message: i.message,
      })),
    );
  }
  const issues: RuleIssue[] = [];
  const data = parsed.data as { cgroup?: string; binary?: string };
  if (data.cgroup !== undefined && !resolveCgroup(data.cgroup)) {
    const root = cgroup2Root();
    issues.push({
      field: 'cgroup',
      message: root
        ? `${data.cgroup} is not a cgroup v2 directory (the cgroup v2 root here is ${root})`
        : 'cgroup v2 is not mounted on this host',
    });
  }
  if (data.binary !== undefined && !resolveBinary(data.binary)) {
    issues.push({ field: 'binary', message: `${data.binary} is not an existing regular file` });
  }
  if (issues.length) throw new RuleInputError(issues);
  return parsed.data as Record<string, unknown>;
}

function withDb<T>(path: string, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function components(ctx: AdminContext): PolicyComponents {
  if (!ctx.bridge) throw new PolicyError('POLICY_LOAD', 'internal: no BPF bridge for a kernel change');
  return policyComponents({
    bridge: ctx.bridge,
    pinRoot: ctx.pinRoot,
    dbPath: ctx.dbPath,
    ...(ctx.eventsPerSecondPerRule !== undefined
      ? { eventsPerSecondPerRule: ctx.eventsPerSecondPerRule }
      : {}),
  });
}

/** Makes the kernel match the recorded rules for these kinds. */
export function applyPolicy(ctx: AdminContext, kinds: readonly PolicyKind[]): KindReports {
  const c = components(ctx);
  const out: KindReports = {};
  for (const k of kinds) {
    try {
      out[k] = c[k].apply();
    } finally {
      c[k].close({ unload: false });
    }
  }
  return out;
}

/** Would the kernel tables hold the rules with this one added? (Too many rules is refused before recording.) */
function checkCompiles(ctx: AdminContext, kind: PolicyKind, body: Record<string, unknown>): void {
  const current = withDb(ctx.dbPath, readPolicyRules);
  const r = ruleOf({ id: 0xffffffff, kind, source: 'cli', body, createdUs: 0, updatedUs: 0 });
  if ('invalid' in r) throw new PolicyError('POLICY_BAD_RULE', r.invalid.message);
  const opts = { resolve: hostResolvers, nowMs: Date.now(), clock: systemLocalClock };
  try {
    if (r.rule.kind === 'egress') compileEgress([...current.egress, r.rule], opts);
    else compileExec([...current.exec, r.rule], opts);
  } catch (err) {
    if (err instanceof PolicyCompileError) throw new PolicyError('POLICY_TOO_MANY_RULES', err.message);
    throw err;
  }
}

export interface AddResult {
  readonly id: number;
  readonly body: Record<string, unknown>;
  readonly applied: ApplyReport;
}

export function addRule(ctx: AdminContext, kind: PolicyKind, rawBody: Record<string, unknown>): AddResult {
  const body = checkBody(kind, rawBody);
  checkCompiles(ctx, kind, body);
  const author: ChangeAuthor = { actor: ctx.actor, user: ctx.user };
  const id = withDb(ctx.dbPath, (db) => addPolicyRule(db, kind, body, author, Date.now() * 1000));
  const applied = applyRecorded(ctx, kind, `rule ${id} is recorded`);
  return { id, body, applied };
}

export interface RemoveResult {
  readonly removed: readonly StoredPolicyRule[];
  readonly applied: KindReports;
}

export function removeRules(ctx: AdminContext, ids: readonly number[]): RemoveResult {
  const author: ChangeAuthor = { actor: ctx.actor, user: ctx.user };
  const removed = withDb(ctx.dbPath, (db) => {
    for (const id of ids) {
      const r = getPolicyRule(db, id);
      if (!r)
        throw new PolicyError(
          'POLICY_NOT_FOUND',
          `no policy rule with id ${id} (see: bpfwarden policy list)`,
        );
      if (r.source === 'config') {
        throw new PolicyError(
          'POLICY_CONFIG_RULE',
          `rule ${id} comes from the configuration file; remove it there (the agent records the file at start)`,
        );
      }
    }
    return ids
      .map((id) => removePolicyRule(db, id, author, Date.now() * 1000))
      .filter((r) => r !== undefined);
  });
  const kinds = [...new Set(removed.map((r) => r.kind))];
  const applied: KindReports = {};
  for (const k of kinds) applied[k] = applyRecorded(ctx, k, `the removal of ${ids.join(', ')} is recorded`);
  return { removed, applied };
}

function applyRecorded(ctx: AdminContext, kind: PolicyKind, what: string): ApplyReport {
  try {
    const r = applyPolicy(ctx, [kind])[kind];
    if (!r) throw new Error('no report');
    return r;
  } catch (err) {
    throw new PolicyError(
      'POLICY_LOAD',
      `${what}, but the kernel could not be updated: ${(err as Error).message}; ` +
        'run `bpfwarden policy apply` once fixed (the agent applies it at start too)',
      { cause: err },
    );
  }
}

export function unloadPolicy(ctx: AdminContext, kinds: readonly PolicyKind[]): PolicyKind[] {
  const c = components(ctx);
  const unloaded: PolicyKind[] = [];
  for (const k of kinds) {
    const was = c[k].loaded;
    c[k].close({ unload: true });
    if (was) unloaded.push(k);
  }
  return unloaded;
}
