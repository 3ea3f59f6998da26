/**
 * Network monitor: TCP connections established and closed (sock:inet_sock_set_state),
 * connect() attempts and UDP sends with a destination (syscall tracepoints).
 * The agent's own traffic is excluded in the kernel by thread group id.
 */

import type { BootClock } from '../../domain/clock.ts';
import type { BpfObject } from '../../ebpf/index.ts';
import {
  type Exclusion,
  exclusionEntries,
  MAX_EXCLUDED_PIDS,
  selfExclusion,
  writeExclusion,
} from '../exclusion.ts';
import type { Monitor, MonitorContext } from '../monitor.ts';
import { type RingDelivery, ringDelivery } from '../ring-config.ts';
import { RingMonitor, type RingMonitorDeps } from '../ring-monitor.ts';
import type { NetMonitorConfig } from './config.ts';
import { netDecoder } from './decode.ts';
import { NetEventTypeId } from './layout.ts';

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

const DECODER = { family: 'net' } as const;

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
      decoder: DECODER,
      createDecoder: (c) => netDecoder(DECODER, c),
      clock,
      prepare: (obj) => writeNetExclusion(obj, opts),
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see docs/architecture.md, "Event path"). */
const DELIVERY = { wakeupBytes: 65536, pollIntervalMs: 20 };

export function createMonitor(cfg: NetMonitorConfig, ctx: MonitorContext): Monitor {
  return netMonitor(
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
  );
}
