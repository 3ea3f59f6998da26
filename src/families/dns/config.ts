/** monitors.dns: the DNS monitor's settings. */
import { z } from 'zod';
import { checkWakeup, ringMonitorFields } from '../ring-config.ts';

export const dnsMonitorConfig = z
  .object({
    ...ringMonitorFields(1 << 20),
    /** A cgroup v2 directory (absolute, or relative to the cgroup v2 root): only its processes' DNS is seen. Default: the root. */
    cgroupPath: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(checkWakeup)
  .prefault({});

export type DnsMonitorConfig = z.output<typeof dnsMonitorConfig>;
