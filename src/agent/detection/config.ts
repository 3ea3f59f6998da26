/**
 * Configuration of detection (`rules:`) and alert delivery (`alerts:`).
 * Sinks are named; routes pick sinks by minimum severity, tags, event types
 * and rule ids. Without routes every alert goes to every sink.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SEVERITIES } from '../../domain/rules/rule.ts';
import { projectRoot } from '../../host/paths.ts';

export const SYSTEM_RULES_DIR = '/etc/bpfwarden/rules.d';

/** The repo's starter pack (when present) and the system directory. */
export function defaultRuleDirectories(): string[] {
  const repo = join(projectRoot(), 'rules');
  return existsSync(repo) ? [repo, SYSTEM_RULES_DIR] : [SYSTEM_RULES_DIR];
}

export const RulesConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Directories of *.yaml rule files, loaded (and synced into the database) at start. */
    directory: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    /** Pause between rule runs; a run starts only when new events were stored. */
    intervalMs: z.number().int().min(5).max(60_000).default(25),
    /**
     * Share of wall time the rule runner may be busy: after a pass of T ms
     * the next waits at least T × (100 / maxBusyPercent − 1). Under a heavy
     * event rate passes grow, so they run less often over more rows each.
     */
    maxBusyPercent: z.number().int().min(1).max(100).default(25),
    /**
     * A rule whose run takes longer than this leaves the shared pass and runs
     * on its own, paced by its own cost, so cheap rules keep their latency.
     */
    slowRuleMs: z.number().int().min(1).max(600_000).default(50),
    /** Time bound of one rule run; an overrunning rule is stopped and reported. */
    timeoutMs: z.number().int().min(50).max(600_000).default(2000),
    /** Result rows one run may raise at most (the rest are reported as truncated). */
    maxRows: z.number().int().min(1).max(100_000).default(1000),
    /** Failed runs in a row after which a rule is disabled (with the reason in `rules show`). */
    maxConsecutiveFailures: z.number().int().min(1).max(1000).default(3),
  })
  .strict()
  .prefault({});

const RetrySchema = z
  .object({
    baseMs: z.number().int().min(1).default(500),
    maxMs: z.number().int().min(1).default(300_000),
    /** Attempts before a delivery is marked failed (visible in `alerts show`). */
    maxAttempts: z.number().int().min(1).default(50),
  })
  .strict()
  .prefault({});

const BreakerSchema = z
  .object({
    threshold: z.number().int().min(1).default(5),
    cooldownMs: z.number().int().min(1).default(30_000),
  })
  .strict()
  .prefault({});

const common = {
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be letters, digits, ".", "_" or "-"'),
  retry: RetrySchema,
  breaker: BreakerSchema,
  /** Deliveries in flight at once for this sink. */
  concurrency: z.number().int().min(1).max(64).default(4),
};

/** A secret given inline or read from an environment variable at start. */
const secretFields = {
  secret: z.string().min(1).optional(),
  secretEnv: z.string().min(1).optional(),
};

export const SinkSchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('log') }).strict(),
  z
    .object({
      ...common,
      type: z.literal('file'),
      path: z.string().min(1),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(10 * 1024 * 1024),
      keep: z.number().int().min(0).max(100).default(5),
    })
    .strict(),
  z
    .object({
      ...common,
      ...secretFields,
      type: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
      headers: z.record(z.string(), z.string()).default({}),
      timeoutMs: z.number().int().min(10).max(120_000).default(5000),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal('email'),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).default(587),
      /** Implicit TLS from the first byte (port 465); otherwise see starttls. */
      secure: z.boolean().default(false),
      starttls: z.enum(['required', 'opportunistic', 'off']).default('required'),
      auth: z
        .object({
          user: z.string().min(1),
          pass: z.string().optional(),
          passEnv: z.string().min(1).optional(),
        })
        .strict()
        .optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      tls: z
        .object({ rejectUnauthorized: z.boolean().default(true), caFile: z.string().min(1).optional() })
        .strict()
        .optional(),
    })
    .strict(),
]);

export type SinkConfig = z.infer<typeof SinkSchema>;

export const RouteSchema = z
  .object({
    sinks: z.array(z.string().min(1)).min(1),
    minSeverity: z.enum(SEVERITIES).optional(),
    tags: z.array(z.string().min(1)).optional(),
    eventTypes: z.array(z.string().min(1)).optional(),
    rules: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const AlertsConfigSchema = z
  .object({
    sinks: z.array(SinkSchema).default([{ name: 'log', type: 'log' } as SinkConfig]),
    routes: z.array(RouteSchema).default([]),
  })
  .strict()
  .prefault({})
  .superRefine((v, ctx) => {
    const names = new Set<string>();
    v.sinks.forEach((s, i) => {
      if (names.has(s.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sinks', i, 'name'],
          message: `sink name ${s.name} is used twice`,
        });
      }
      names.add(s.name);
    });
    v.routes.forEach((r, i) => {
      r.sinks.forEach((s, j) => {
        if (!names.has(s)) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'sinks', j],
            message: `no sink named ${s} (sinks: ${[...names].join(', ') || 'none'})`,
          });
        }
      });
    });
  });

export type RulesConfig = z.infer<typeof RulesConfigSchema>;
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;
