/** monitors.drop: the packet drop monitor's settings. */
import { z } from 'zod';
import { checkWakeup, ringMonitorFields } from '../ring-config.ts';

export const dropMonitorConfig = z
  .object({
    ...ringMonitorFields(1 << 20),
    /** Drop records per second over all CPUs; the rest are counted as suppressed. 0: no limit. */
    maxEventsPerSecond: z.number().int().min(0).max(10_000_000).default(1000),
    /** Never report drops of the agent's own packets (freed while it or its rule runner runs). */
    excludeSelf: z.boolean().default(true),
  })
  .strict()
  .superRefine(checkWakeup)
  .prefault({});

export type DropMonitorConfig = z.output<typeof dropMonitorConfig>;
