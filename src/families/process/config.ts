/** monitors.process: the process monitor's settings. */
import { z } from 'zod';
import { attachOverrides, checkWakeup, ringMonitorFields } from '../ring-config.ts';

export const processMonitorConfig = z
  .object({
    ...ringMonitorFields(4 << 20),
    attach: attachOverrides(),
  })
  .strict()
  .superRefine(checkWakeup)
  .prefault({});

export type ProcessMonitorConfig = z.output<typeof processMonitorConfig>;
