/**
 * `enforcement.*`: where enforcement programs are pinned, whether the agent
 * removes them when it stops, the egress and exec policy, and the firewall.
 */
import { z } from 'zod';
import { FirewallConfigSchema } from './firewall/config.ts';
import { PolicyConfigSchema } from './policy-config.ts';

export const EnforcementConfigSchema = z
  .object({
    /** Default /sys/fs/bpf/bpfwarden-enforce (BPFWARDEN_ENFORCE_PIN_ROOT overrides, for tests). */
    pinRoot: z.string().startsWith('/sys/fs/bpf/', 'must be a directory under /sys/fs/bpf/').optional(),
    /**
     * Fail-safe: pinned enforcement outlives the agent (a crash or upgrade
     * leaves the host protected). true detaches and unpins it at a clean stop.
     */
    unloadOnExit: z.boolean().default(false),
    /** Egress (cgroup connect/sendmsg) and exec policy rules. */
    policy: PolicyConfigSchema,
    /** XDP firewall and rate limiting. */
    firewall: FirewallConfigSchema,
  })
  .strict()
  .prefault({});

export type EnforcementConfig = z.infer<typeof EnforcementConfigSchema>;
