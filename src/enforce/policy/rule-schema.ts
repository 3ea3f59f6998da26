/**
 * The written form of egress and exec rules (config file, CLI flags, stored
 * JSON), checked with zod for types and with the domain for meaning; every
 * message names the field. Output is still the written form (what is
 * stored); `egressRuleFrom`/`execRuleFrom` turn it into rules.
 */
import { z } from 'zod';
import {
  EGRESS_ACTIONS,
  EXEC_ACTIONS,
  MAX_PRIORITY,
  MAX_RULE_ID,
  PROTOCOLS,
} from '../../domain/enforce/policy/rule.ts';
import {
  type EgressRuleInput,
  type ExecRuleInput,
  egressRuleFrom,
  execRuleFrom,
  type RuleIssue,
} from '../../domain/enforce/policy/rule-input.ts';

const MAX_UID = 4294967294; // (uid_t)-1 means "no uid" to the kernel

/** What every rule has besides its kind's fields; `id` is separate (the CLI assigns it, the file states it). */
const common = {
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  cgroup: z.string().min(1).optional(),
  uid: z.number().int().min(0).max(MAX_UID).optional(),
  windows: z.array(z.string()).min(1).max(16).optional(),
  comment: z.string().max(200).optional(),
};

export const RuleIdSchema = z.number().int().min(1).max(MAX_RULE_ID);

function addIssues(ctx: z.RefinementCtx, value: Record<string, unknown>, issues: readonly RuleIssue[]): void {
  for (const i of issues) {
    const path = i.field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    // The offending field's value, not the whole rule, for "(got ...)" in messages.
    let input: unknown = value;
    for (const p of path) input = (input as Record<string | number, unknown> | undefined)?.[p];
    ctx.addIssue({ code: 'custom', path, message: i.message, input });
  }
}

const egressFields = z
  .object({
    ...common,
    action: z.enum(EGRESS_ACTIONS),
    cidr: z.string().min(1).optional(),
    ports: z.union([z.string().min(1), z.number().int()]).optional(),
    protocol: z.enum(PROTOCOLS).optional(),
  })
  .strict();

const execFields = z
  .object({
    ...common,
    action: z.enum(EXEC_ACTIONS),
    path: z.string().min(1).optional(),
    binary: z.string().min(1).optional(),
    sha256: z.string().min(1).optional(),
  })
  .strict();

/** An egress rule without its id (CLI input, stored JSON). */
export const EgressRuleBodySchema = egressFields.superRefine((v, ctx) => {
  const r = egressRuleFrom({ ...v, id: 0 });
  if ('issues' in r) addIssues(ctx, v, r.issues);
});

/** An exec rule without its id (CLI input, stored JSON). */
export const ExecRuleBodySchema = execFields.superRefine((v, ctx) => {
  const r = execRuleFrom({ ...v, id: 0 });
  if ('issues' in r) addIssues(ctx, v, r.issues);
});

/** An egress rule with its id (configuration file). */
export const EgressRuleSchema = egressFields.extend({ id: RuleIdSchema }).superRefine((v, ctx) => {
  const r = egressRuleFrom(v);
  if ('issues' in r) addIssues(ctx, v, r.issues);
});

/** An exec rule with its id (configuration file). */
export const ExecRuleSchema = execFields.extend({ id: RuleIdSchema }).superRefine((v, ctx) => {
  const r = execRuleFrom(v);
  if ('issues' in r) addIssues(ctx, v, r.issues);
});

export type EgressRuleBody = Omit<EgressRuleInput, 'id'>;
export type ExecRuleBody = Omit<ExecRuleInput, 'id'>;

/** zod issues as one line each: `<source>: <path>: <message> (got ...)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  return issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join('.') : '(rule)';
      if (issue.code === 'unrecognized_keys')
        return `${source}: unknown key ${issue.keys.map((k) => [...issue.path, k].join('.')).join(', ')}`;
      const got =
        'input' in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : '';
      return `${source}: ${path}: ${issue.message}${got}`;
    })
    .join('\n');
}
