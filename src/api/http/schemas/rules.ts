/** Detection rules: the stored rule with its run state; bodies are rule definitions. */
import { z } from 'zod';
import { SEVERITIES } from '../../../domain/rules/rule.ts';
import { RuleDefinitionSchema } from '../../../store/rule-file.ts';

export const RuleState = z
  .object({
    ruleId: z.string(),
    watermark: z.number().int(),
    runs: z.number().int(),
    alerts: z.number().int(),
    failures: z.number().int(),
    consecutiveFailures: z.number().int(),
    lastRunUs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    disabledReason: z.string().nullable(),
    lastRunMs: z.number().nullable().describe('run time of the last successful run'),
    totalRunMs: z.number().describe('run time of all successful runs'),
    slow: z.boolean().describe('slower than rules.slowRuleMs: run and paced on its own'),
  })
  .meta({ id: 'RuleState' });

export const Rule = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    severity: z.enum(SEVERITIES),
    query: z.string(),
    title: z.string(),
    tags: z.array(z.string()),
    dedupe: z.string().nullable(),
    throttleMs: z.number().int(),
    enabled: z.boolean(),
    source: z.string().describe('where the rule came from: a rule file, or "api"'),
    createdUs: z.number().int(),
    updatedUs: z.number().int(),
    state: RuleState.nullable(),
  })
  .meta({ id: 'Rule' });

/**
 * The body is checked by the same code that checks rule files (schema, then
 * the SQL validator), so this schema stays loose on purpose: the one strict
 * definition is RuleDefinitionSchema, shown here for the document.
 */
export const RuleBody = z
  .record(z.string(), z.unknown())
  .describe(
    `a rule definition as in a rule file: ${Object.keys(RuleDefinitionSchema.shape).join(', ')} (id, name, severity, query required)`,
  )
  .meta({ id: 'RuleDefinition' });

export const RuleChange = z
  .object({ change: z.enum(['added', 'updated', 'unchanged']), rule: Rule })
  .meta({ id: 'RuleChange' });
