/**
 * The `enforcement.firewall` config section: interfaces to attach, rules,
 * rate limit settings. Config rules are stored with source "config" at agent
 * start and merged with rules added by the CLI; on an id used by both, the
 * config's rule wins (it replaces the CLI's, and the change is logged).
 * Rules and interfaces the config listed before but no longer does are
 * removed; settings absent from the config keep their stored values.
 *
 * Messages name the exact key (enforcement.firewall.rules.2.src) and what
 * was expected: the rule checks are the domain's, reported per field.
 */
import { z } from 'zod';
import { MAX_RATE } from '../../domain/enforce/firewall/ratelimit.ts';
import { ACTIONS, MAX_RULE_ID, PROTOCOLS } from '../../domain/enforce/firewall/rule.ts';
import { validateRule } from '../../domain/enforce/firewall/validate.ts';

const port = z.union([z.number().int(), z.string()]);

export const FirewallRuleConfigSchema = z
  .object({
    id: z.number().int().min(1).max(MAX_RULE_ID),
    priority: z.number().int().optional(),
    action: z.enum(ACTIONS),
    protocol: z.enum(PROTOCOLS).optional(),
    src: z.string().optional(),
    dst: z.string().optional(),
    sport: port.optional(),
    dport: port.optional(),
    log: z.boolean().optional(),
    comment: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const r = validateRule(rule);
    if (r.ok) return;
    for (const p of r.problems) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

const ifname = z
  .string()
  .regex(/^[\w.@-]{1,15}$/, 'must be a network interface name (1-15 letters, digits, ._@-)');

export const FirewallInterfaceConfigSchema = z.union([
  ifname,
  z.object({ name: ifname, mode: z.enum(['auto', 'drv', 'skb']).default('auto') }).strict(),
]);

const rate = z.number().int().min(0).max(MAX_RATE);

export const FirewallConfigSchema = z
  .object({
    /** Interfaces to attach (XDP mode auto: native first, generic when the driver has none). */
    interfaces: z.array(FirewallInterfaceConfigSchema).default([]),
    rules: z
      .array(FirewallRuleConfigSchema)
      .default([])
      .superRefine((rules, ctx) => {
        const seen = new Set<number>();
        rules.forEach((r, i) => {
          if (seen.has(r.id))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'id'],
              message: `rule id ${r.id} is used more than once`,
            });
          seen.add(r.id);
        });
      }),
    /** Absent: the stored settings (CLI: bpfwarden ratelimit set) stay. */
    rateLimit: z
      .object({
        /** Packets per second per source address, per CPU; 0 turns it off. */
        packetsPerSecond: rate.optional(),
        burst: rate.optional(),
        /** TCP SYNs (without ACK) per second per source address, per CPU; 0 turns the guard off. */
        synPerSecond: rate.optional(),
        synBurst: rate.optional(),
        /** Policy records per second per log rule, per CPU; 0: no limit. */
        logPerSecond: rate.optional(),
        logBurst: rate.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

export type FirewallConfig = z.infer<typeof FirewallConfigSchema>;

/** Interfaces as name and mode. */
export function configInterfaces(c: FirewallConfig): { name: string; mode: 'auto' | 'drv' | 'skb' }[] {
  return c.interfaces.map((i) => (typeof i === 'string' ? { name: i, mode: 'auto' as const } : i));
}
