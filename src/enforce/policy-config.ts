/**
 * Egress and exec policy in the configuration file (the lead composes this
 * under `enforcement`): rule lists with explicit ids, and the per-rule rate
 * of decision records. Rules from the file are recorded beside the ones the
 * CLI adds; on an id both use, the file's rule wins (see docs/enforcement.md).
 */
import { z } from 'zod';
import { EgressRuleSchema, ExecRuleSchema } from './policy/rule-schema.ts';

export const DEFAULT_EVENTS_PER_SECOND_PER_RULE = 100;

export const PolicyConfigSchema = z
  .object({
    egress: z.array(EgressRuleSchema).max(256).default([]),
    exec: z.array(ExecRuleSchema).max(256).default([]),
    /** Decision records per second per rule, in the kernel; the rest are counted as suppressed. 0: no limit. */
    eventsPerSecondPerRule: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(DEFAULT_EVENTS_PER_SECOND_PER_RULE),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // Ids name rules across both kinds (a decision record names its rule by id).
    const seen = new Map<number, string>();
    for (const kind of ['egress', 'exec'] as const) {
      cfg[kind].forEach((r, i) => {
        const first = seen.get(r.id);
        if (first) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'id'],
            message: `id ${r.id} is already used by ${first}`,
            input: r.id,
          });
        } else {
          seen.set(r.id, `${kind}.${i}`);
        }
      });
    }
  })
  .prefault({});

export type PolicyConfig = z.output<typeof PolicyConfigSchema>;
