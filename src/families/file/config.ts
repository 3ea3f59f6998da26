/** monitors.file: the file monitor's settings. */
import { z } from 'zod';
import { checkWakeup, ringMonitorFields } from '../ring-config.ts';
import { pathPrefixProblem } from './filter.ts';
import { FILE_PREFIX_MAX, MAX_CGROUPS } from './layout.ts';

const pathPrefix = z.string().superRefine((p, ctx) => {
  const why = pathPrefixProblem(p);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

export const fileMonitorConfig = z
  .object({
    ...ringMonitorFields(8 << 20),
    /** Report only paths (as the caller passed them) starting with one of these. */
    pathPrefixes: z
      .array(pathPrefix)
      .max(
        FILE_PREFIX_MAX,
        `at most ${FILE_PREFIX_MAX} path prefixes (the kernel filter has ${FILE_PREFIX_MAX} slots)`,
      )
      .default([]),
    /** Never report the agent's own calls, nor its rule runner's: its database reads and writes would feed back into the ring. */
    excludeSelf: z.boolean().default(true),
    /** Report only these cgroup v2 ids (the inode number of the cgroup's directory). */
    cgroupIds: z
      .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
      .max(MAX_CGROUPS, `at most ${MAX_CGROUPS} cgroup ids`)
      .optional(),
  })
  .strict()
  .superRefine(checkWakeup)
  .prefault({});

export type FileMonitorConfig = z.output<typeof fileMonitorConfig>;
