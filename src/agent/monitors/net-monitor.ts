/**
 * Network monitor: TCP connections established and closed (sock:inet_sock_set_state),
 * connect() attempts and UDP sends with a destination (syscall tracepoints).
 * The agent's own traffic is excluded in the kernel by thread group id.
 */
import { z } from 'zod';
import type { BootClock } from '../../domain/clock.ts';
import { NetEventTypeId } from '../../domain/layout/net.ts';
import { type BpfObject, bytes, u32 } from '../../ebpf/index.ts';
import { AgentError } from '../errors.ts';
import { checkWakeup, type RingDelivery, ringDelivery, ringMonitorFields } from './config-schema.ts';
import { defineMonitor } from './definition.ts';
import { RingMonitor, type RingMonitorDeps } from './ring-monitor.ts';

/** Size of net_exclude_pids in bpf/net.bpf.c. */
export const NET_MAX_EXCLUDED_PIDS = 1024;

export interface NetMonitorOptions extends RingDelivery {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
  /** Thread group ids whose sockets and calls are never reported. */
  readonly excludePids?: readonly number[];
}

const ONE = Uint8Array.of(1);

/** Replaces the excluded thread group ids of a loaded net.bpf.o. */
export function writeNetExcludedPids(obj: BpfObject, pids: readonly number[]): void {
  if (pids.length > NET_MAX_EXCLUDED_PIDS) {
    throw new AgentError('NET_FILTER', `at most ${NET_MAX_EXCLUDED_PIDS} excluded pids, got ${pids.length}`);
  }
  const m = obj.typedMap('net_exclude_pids', u32, bytes(1));
  for (const k of [...m.keys()]) if (!pids.includes(k)) m.delete(k);
  for (const pid of pids) m.set(pid, ONE);
}

export function netMonitor(opts: NetMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const { clock } = opts;
  const pids = opts.excludePids ?? [];
  if (pids.length > NET_MAX_EXCLUDED_PIDS) {
    throw new AgentError('NET_FILTER', `at most ${NET_MAX_EXCLUDED_PIDS} excluded pids, got ${pids.length}`);
  }
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
      prepare: (obj) => writeNetExcludedPids(obj, pids),
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see the README's benchmark section). */
const DELIVERY = { wakeupBytes: 65536, pollIntervalMs: 20 };

export const netDefinition = defineMonitor({
  name: 'net',
  config: z
    .object({
      ...ringMonitorFields(4 << 20),
      /** Never report the agent's own connections and sends (alert delivery, API clients). */
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
        excludePids: cfg.excludeSelf ? [process.pid] : [],
      },
      {
        bridge: ctx.bridge,
        kernel: ctx.kernel,
        ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
      },
    ),
});
