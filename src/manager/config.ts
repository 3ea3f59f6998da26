/**
 * Program manager settings: where objects may be loaded from and where pins
 * live. Config keys `manager.allowedDirs` and `manager.pinRoot`; the
 * environment adds directories (BPFWARDEN_PROGRAM_DIRS, colon-separated) and
 * may move the pin root (BPFWARDEN_PIN_ROOT), e.g. for tests.
 */
import { z } from 'zod';

export const DEFAULT_ALLOWED_DIRS = ['/etc/bpfwarden/programs', '/var/lib/bpfwarden/programs'] as const;
export const DEFAULT_PIN_ROOT = '/sys/fs/bpf/bpfwarden';

export const ManagerConfigSchema = z
  .object({
    allowedDirs: z
      .array(z.string().startsWith('/', 'must be an absolute path'))
      .default([...DEFAULT_ALLOWED_DIRS]),
    pinRoot: z
      .string()
      .startsWith('/sys/fs/bpf/', 'must be a directory under /sys/fs/bpf/')
      .default(DEFAULT_PIN_ROOT),
    /** Reconcile managed programs when the agent starts. */
    reconcileAtStart: z.boolean().default(true),
  })
  .strict()
  .prefault({});

export type ManagerConfig = z.infer<typeof ManagerConfigSchema>;

export function managerSettings(
  config: ManagerConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ManagerConfig {
  const base = config ?? ManagerConfigSchema.parse(undefined);
  const extra = (env.BPFWARDEN_PROGRAM_DIRS ?? '').split(':').filter((d) => d.startsWith('/'));
  return {
    ...base,
    allowedDirs: [...base.allowedDirs, ...extra],
    pinRoot: env.BPFWARDEN_PIN_ROOT?.startsWith('/sys/fs/bpf/') ? env.BPFWARDEN_PIN_ROOT : base.pinRoot,
  };
}
