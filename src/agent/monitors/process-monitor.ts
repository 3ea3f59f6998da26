/** Process monitor: exec, fork and exit from raw scheduler tracepoints. */
import { z } from 'zod';
import type { BootClock } from '../../domain/clock.ts';
import { EventTypeId } from '../../domain/layout/process.ts';
import { attachOverrides, ringBufferBytes } from './config-schema.ts';
import { defineMonitor } from './definition.ts';
import { RingMonitor, type RingMonitorDeps } from './ring-monitor.ts';

export interface ProcessMonitorOptions {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
  readonly attach?: Readonly<Record<string, string>> | undefined;
}

export function processMonitor(opts: ProcessMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const { clock } = opts;
  return new RingMonitor(
    {
      name: 'process',
      object: 'process',
      ringMap: 'process_events',
      dropsMap: 'process_drops',
      ringBufferBytes: opts.ringBufferBytes,
      ...(opts.attach ? { attachOverrides: opts.attach } : {}),
      dropTypes: Object.values(EventTypeId),
      decoder: { family: 'process' },
      clock,
      priority: true,
      configure: (spec, kernel) => {
        // 6.16+ passes group_dead to sched_process_exit; older kernels use the live-thread count.
        if ((kernel.tracepointArgs('sched_process_exit') ?? 1) >= 2)
          spec.setGlobal('exit_has_group_dead', true);
      },
    },
    deps,
  );
}

export const processDefinition = defineMonitor({
  name: 'process',
  config: z
    .object({
      enabled: z.boolean().default(true),
      ringBufferBytes: ringBufferBytes(8 << 20),
      attach: attachOverrides(),
    })
    .strict()
    .prefault({}),
  create: (cfg, ctx) =>
    processMonitor(
      { clock: ctx.clock, ringBufferBytes: cfg.ringBufferBytes, attach: cfg.attach },
      {
        bridge: ctx.bridge,
        kernel: ctx.kernel,
        ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
      },
    ),
});
