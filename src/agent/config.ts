/**
 * Agent configuration: the schema, and the entry points that layer it
 * (defaults, config files, environment, flags: see src/config/). One schema
 * validates all of it; messages name the source, the exact key, the value
 * and what was expected, and unknown keys are errors with a suggestion.
 */
import { z } from 'zod';
import { ApiConfigSchema } from '../api/config.ts';
import { GrpcConfigSchema } from '../api/grpc/config.ts';
import { issuesToProblems } from '../config/issues.ts';
import { type LoadOptions, loadLayers } from '../config/load.ts';
import { type Resolution, resolveLayers } from '../config/resolve.ts';
import { parseDurationMs } from '../domain/time-spec.ts';
import { EnforcementConfigSchema } from '../enforce/config.ts';
import { MonitorsConfigSchema } from '../families/monitor-config.ts';
import { DEFAULT_DB_PATH, DEFAULT_RUNTIME_DIR } from '../host/paths.ts';
import { ManagerConfigSchema } from '../manager/config.ts';
import { ConfigError } from './config-error.ts';
import { AlertsConfigSchema, RulesConfigSchema } from './detection/config.ts';

export const ConfigSchema = z
  .object({
    database: z.string().min(1).default(DEFAULT_DB_PATH),
    runtimeDir: z.string().min(1).default(DEFAULT_RUNTIME_DIR),
    // One key per event family, each with its family's schema (src/families/).
    monitors: MonitorsConfigSchema,
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
    /** REST API: root-only Unix socket, optional TCP with a bearer token (src/api/config.ts). */
    api: ApiConfigSchema,
    /** gRPC streams: root-only Unix socket, optional TCP with a bearer token (src/api/grpc/config.ts). */
    grpc: GrpcConfigSchema,
    /** In-kernel enforcement: egress and exec policy, XDP firewall and rate limit (src/enforce/config.ts). */
    enforcement: EnforcementConfigSchema,
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type { FlagSetting } from '../config/load.ts';
export { ConfigError } from './config-error.ts';

function isDuration(v: string): boolean {
  try {
    return parseDurationMs(v) > 0;
  } catch {
    return false;
  }
}

/** Validates a raw object on its own; throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const data = raw ?? {};
  const r = ConfigSchema.safeParse(data, { reportInput: true });
  if (r.success) return r.data;
  throw new ConfigError(
    issuesToProblems(ConfigSchema, r.error.issues, data, () => ({ kind: 'label', label: source })),
  );
}

export interface ResolveOptions extends LoadOptions {
  /** Settings as a mapping, above the environment (prefer `flags`, which names each flag). */
  readonly overrides?: Record<string, unknown>;
}

/**
 * Defaults <- /etc/bpfwarden/config.* <- $XDG_CONFIG_HOME/bpfwarden/config.*
 * (or one explicit file) <- BPFWARDEN_* environment <- flags, with the
 * origin of every value; never throws (see src/config/).
 */
export function explainConfig(opts: ResolveOptions = {}): Resolution<Config> {
  const { layers, problems } = loadLayers(ConfigSchema, opts);
  const overrides = opts.overrides ?? {};
  if (Object.keys(overrides).length > 0) {
    const flagsAt = opts.flags?.length ? layers.length - 1 : layers.length;
    layers.splice(flagsAt, 0, {
      name: 'overrides',
      data: overrides,
      origin: () => ({ kind: 'label', label: 'flags' }),
    });
  }
  return resolveLayers(ConfigSchema, layers, problems);
}

/** The effective configuration; throws ConfigError listing every problem. */
export function resolveConfig(opts: ResolveOptions = {}): Config {
  const r = explainConfig(opts);
  if (!r.ok) throw new ConfigError(r.problems);
  return r.config;
}
