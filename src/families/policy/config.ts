/** monitors.policy: the policy monitor's settings (it drains the enforcement components' rings). */
import { z } from 'zod';
import { DEFAULT_ENFORCE_PIN_ROOT } from '../../host/paths.ts';

export const policyMonitorConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** Where the enforcement components pin their rings (BPFWARDEN_ENFORCE_PIN_ROOT overrides). */
    pinRoot: z
      .string()
      .startsWith('/sys/fs/bpf/', 'must be a directory under /sys/fs/bpf/')
      .default(DEFAULT_ENFORCE_PIN_ROOT),
    /** How often to look for rings that appeared or went. */
    rescanIntervalMs: z.number().int().min(100).max(60_000).default(3000),
  })
  .strict()
  .prefault({});

export type PolicyMonitorConfig = z.output<typeof policyMonitorConfig>;
