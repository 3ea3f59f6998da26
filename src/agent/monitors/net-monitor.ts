/**
 * Network monitor: TCP connections established and closed (sock:inet_sock_set_state),
 * connect() attempts and UDP sends with a destination (syscall tracepoints).
 * The agent's own traffic is excluded in the kernel by thread group id.
 */
import { z } from 'zod';
import type { BootClock } from '../../domain/clock.ts';
import { NetEventTypeId } from '../../domain/layout/net.ts';
import type { BpfObject } from '../../ebpf/index.ts';
import { checkWakeup, type RingDelivery, ringDelivery, ringMonitorFields } from './config-schema.ts';
import { defineMonitor } from './definition.ts';
import {
  type Exclusion,
  exclusionEntries,
  MAX_EXCLUDED_PIDS,
  selfExclusion,
  writeExclusion,
} from './exclusion.ts';
import { RingMonitor, type RingMonitorDeps } from './ring-monitor.ts';

/** Size of net_exclude_pids in bpf/net.bpf.c. */
export const NET_MAX_EXCLUDED_PIDS = MAX_EXCLUDED_PIDS;

/** excludePids: their sockets and calls are never reported; excludeChildrenOf: their children's. */
export interface NetMonitorOptions extends RingDelivery, Exclusion {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
}

/** Replaces the excluded processes of a loaded net.bpf.o. */
export function writeNetExclusion(obj: BpfObject, ex: Exclusion): void {
  writeExclusion(obj, 'net_exclude_pids', ex, 'AGENT_NET_FILTER');
}

export function netMonitor(opts: NetMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const { clock } = opts;
  exclusionEntries(opts, 'AGENT_NET_FILTER'); // too many: refused before anything loads
  return new RingMonitor(
    {
      name: 'net',
      object: 'net',
      ringMap: 'net_events',
      dropsMap: 'net_drops',
      ringBufferBytes: opts.ringBufferBytes,
      wakeupBytes: opts.wakeupBytes,
      pollIntervalMs: opts.pollIntervalMs,
      dropTypes: Object.values(NetEventTypeId),
      decoder: { family: 'net' },
      clock,
      prepare: (obj) => writeNetExclusion(obj, opts),
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see docs/architecture.md, "Event path"). */
const DELIVERY = { wakeupBytes: 65536, pollIntervalMs: 20 };

export const netDefinition = defineMonitor({
  name: 'net',
  config: z
    .object({
      ...ringMonitorFields(4 << 20),
      /** Never report the agent's own connections and sends (alert delivery, API clients), nor its rule runner's. */
      excludeSelf: z.boolean().default(true),
    })
    .strict()
    .superRefine(checkWakeup)
    .prefault({}),
  create: (cfg, ctx) =>
    netMonitor(
      {
        clock: ctx.clock,
        ringBufferBytes: cfg.ringBufferBytes,
        ...ringDelivery(cfg, DELIVERY),
        ...selfExclusion(cfg.excludeSelf),
      },
      {
        bridge: ctx.bridge,
        kernel: ctx.kernel,
        ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
      },
    ),
});
