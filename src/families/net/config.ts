/** monitors.net: the network monitor's settings. */
import { z } from 'zod';
import { checkWakeup, ringMonitorFields } from '../ring-config.ts';

export const netMonitorConfig = z
  .object({
    ...ringMonitorFields(4 << 20),
    /** Never report the agent's own connections and sends (alert delivery, API clients), nor its rule runner's. */
    excludeSelf: z.boolean().default(true),
  })
  .strict()
  .superRefine(checkWakeup)
  .prefault({});

export type NetMonitorConfig = z.output<typeof netMonitorConfig>;
