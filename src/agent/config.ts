/**
 * Agent configuration: defaults, then a YAML/JSON file, then flags. One schema
 * validates all of it; messages name the exact key, the value and what was
 * expected, and unknown keys are errors.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDurationMs } from '../domain/time-spec.ts';
import { ManagerConfigSchema } from '../manager/config.ts';
import { AlertsConfigSchema, RulesConfigSchema } from './detection/config.ts';
import { AgentError } from './errors.ts';
import { dnsDefinition } from './monitors/dns-monitor.ts';
import { dropDefinition } from './monitors/drop-monitor.ts';
import { fileDefinition } from './monitors/file-monitor.ts';
import { netDefinition } from './monitors/net-monitor.ts';
import { processDefinition } from './monitors/process-monitor.ts';
import { DEFAULT_DB_PATH, DEFAULT_RUNTIME_DIR } from './paths.ts';

export const ConfigSchema = z
  .object({
    database: z.string().min(1).default(DEFAULT_DB_PATH),
    runtimeDir: z.string().min(1).default(DEFAULT_RUNTIME_DIR),
    // One line per monitor family; each owns its schema (see monitors/registry.ts).
    monitors: z
      .object({
        process: processDefinition.config,
        drop: dropDefinition.config,
        dns: dnsDefinition.config,
        file: fileDefinition.config,
        net: netDefinition.config,
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        flushIntervalMs: z.number().int().min(10).max(10_000).default(25),
        maxQueue: z.number().int().min(1000).max(10_000_000).default(100_000),
        /** Decode and write in a worker thread, keeping the event loop free (recommended). */
        worker: z.boolean().default(true),
        /** Raw batches handed to the worker but not yet taken, beyond which they are dropped and counted. */
        maxInFlightMiB: z.number().int().min(1).max(4096).default(32),
      })
      .strict()
      .prefault({}),
    statusIntervalMs: z.number().int().min(500).default(5000),
    /** Program manager: allowed object directories, pin root (src/manager/config.ts). */
    manager: ManagerConfigSchema,
    retention: z
      .object({
        /** Events older than this are deleted: a duration like 7d, 12h; "0" keeps everything. */
        maxAge: z
          .string()
          .default('7d')
          .refine(
            (v) => v === '0' || isDuration(v),
            'must be a duration like 7d, 12h or 90m, or "0" for no limit',
          ),
        /** The database's live data is kept under this many MiB; 0 for no limit. */
        maxSizeMiB: z.number().int().min(0).default(2048),
        intervalSeconds: z.number().int().min(1).max(86_400).default(60),
      })
      .strict()
      .prefault({}),
    // Detection rules and alert delivery (see detection/config.ts).
    rules: RulesConfigSchema,
    alerts: AlertsConfigSchema,
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

function isDuration(v: string): boolean {
  try {
    return parseDurationMs(v) > 0;
  } catch {
    return false;
  }
}

function formatIssue(issue: z.core.$ZodIssue, source: string): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...issue.path, k].join('.')).join(', ');
    return `${source}: unknown key ${keys}`;
  }
  const got = 'input' in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : '';
  // A bad record key: zod's own text ("Invalid key in record") hides the key schema's message.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${source}: ${path}: ${message}${got}`;
}

/** Validates a raw object; throws AgentError CONFIG with every problem listed. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const r = ConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (r.success) return r.data;
  throw new AgentError('CONFIG', r.error.issues.map((i) => formatIssue(i, source)).join('\n'));
}

export function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentError('CONFIG', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AgentError(
      'CONFIG',
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

/** Defaults <- file <- flags. */
export function resolveConfig(opts: { file?: string; overrides?: Record<string, unknown> }): Config {
  const base = opts.file ? loadConfigFile(opts.file) : {};
  if (base !== null && (typeof base !== 'object' || Array.isArray(base))) {
    throw new AgentError('CONFIG', `${opts.file}: expected a mapping of settings at the top level`);
  }
  const merged = { ...(base as Record<string, unknown>), ...(opts.overrides ?? {}) };
  return parseConfig(merged, opts.file ?? 'config');
}
