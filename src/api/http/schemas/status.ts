/** Agent status, monitors and health. */
import { z } from 'zod';

export const Monitor = z
  .looseObject({
    name: z.string(),
    state: z.enum(['stopped', 'running', 'failed']),
    error: z.string().optional(),
    events: z.number().int(),
    kernelDrops: z.number().int().describe('records the kernel could not reserve in the ring buffer'),
    decodeErrors: z.number().int(),
    eventsPerSecond: z.number(),
    attached: z.array(z.string()),
    counters: z.record(z.string(), z.number()).optional(),
  })
  .meta({ id: 'Monitor' });

export const Status = z
  .object({
    pid: z.number().int(),
    startedAtMs: z.number().int(),
    updatedAtMs: z.number().int(),
    database: z.string(),
    monitors: z.array(Monitor),
    store: z.looseObject({
      stored: z.number().int(),
      queued: z.number().int(),
      queueDropped: z.number().int(),
      unwritten: z.number().int().optional(),
      writeFailures: z.number().int(),
    }),
    retention: z.looseObject({
      deletedByAge: z.number().int(),
      deletedBySize: z.number().int(),
      failures: z.number().int(),
    }),
  })
  .meta({ id: 'Status' });

export const Health = z.object({
  status: z.enum(['ok', 'starting', 'stopping']),
  detail: z.string().optional(),
});
