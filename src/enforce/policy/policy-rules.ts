/**
 * The desired policy: rules as recorded (CLI and configuration file), read
 * back and validated into domain rules. A stored rule that no longer
 * validates (edited by hand, or from another version) is reported and not
 * applied rather than stopping every other rule.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { EgressRule, ExecRule } from '../../domain/enforce/policy/rule.ts';
import { egressRuleFrom, execRuleFrom } from '../../domain/enforce/policy/rule-input.ts';
import { type ConfigRule, listPolicyRules, type StoredPolicyRule } from '../../store/policy-rules-store.ts';
import type { PolicyConfig } from '../policy-config.ts';
import { EgressRuleBodySchema, ExecRuleBodySchema, formatIssues } from './rule-schema.ts';

export interface InvalidRule {
  readonly id: number;
  readonly kind: 'egress' | 'exec';
  readonly message: string;
}

export interface PolicyRules {
  readonly egress: readonly EgressRule[];
  readonly exec: readonly ExecRule[];
  readonly invalid: readonly InvalidRule[];
}

/** A stored rule as a domain rule, or the reason it is not valid. */
export function ruleOf(s: StoredPolicyRule): { rule: EgressRule | ExecRule } | { invalid: InvalidRule } {
  const source = `${s.kind} rule ${s.id}`;
  const schema = s.kind === 'egress' ? EgressRuleBodySchema : ExecRuleBodySchema;
  const parsed = schema.safeParse(s.body, { reportInput: true });
  if (!parsed.success) {
    return { invalid: { id: s.id, kind: s.kind, message: formatIssues(parsed.error.issues, source) } };
  }
  const r =
    s.kind === 'egress'
      ? egressRuleFrom({ ...(parsed.data as Parameters<typeof egressRuleFrom>[0]), id: s.id })
      : execRuleFrom({ ...(parsed.data as Parameters<typeof execRuleFrom>[0]), id: s.id });
  if ('issues' in r) {
    return {
      invalid: {
        id: s.id,
        kind: s.kind,
        message: r.issues.map((i) => `${source}: ${i.field}: ${i.message}`).join('\n'),
      },
    };
  }
  return { rule: r.rule };
}

export function readPolicyRules(db: DatabaseSync): PolicyRules {
  const egress: EgressRule[] = [];
  const exec: ExecRule[] = [];
  const invalid: InvalidRule[] = [];
  for (const s of listPolicyRules(db)) {
    const r = ruleOf(s);
    if ('invalid' in r) invalid.push(r.invalid);
    else if (r.rule.kind === 'egress') egress.push(r.rule);
    else exec.push(r.rule);
  }
  return { egress, exec, invalid };
}

/** The configuration file's rules as they are recorded (the written form without the id). */
export function configRules(config: PolicyConfig): ConfigRule[] {
  const body = ({ id: _, ...rest }: { id: number } & Record<string, unknown>) => rest;
  return [
    ...config.egress.map((r) => ({ id: r.id, kind: 'egress' as const, body: body(r) })),
    ...config.exec.map((r) => ({ id: r.id, kind: 'exec' as const, body: body(r) })),
  ];
}
