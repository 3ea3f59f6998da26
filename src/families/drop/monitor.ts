/** Packet drop monitor: skb:kfree_skb with the kernel's drop reason, rate-limited in the kernel. */

import type { BootClock } from '../../domain/clock.ts';
import { type BpfObject, sumPerCpu, u32, u64n } from '../../ebpf/index.ts';
import { type Exclusion, exclusionEntries, selfExclusion, writeExclusion } from '../exclusion.ts';
import type { Monitor, MonitorContext } from '../monitor.ts';
import { type RingDelivery, ringDelivery } from '../ring-config.ts';
import { RingMonitor, type RingMonitorDeps } from '../ring-monitor.ts';
import type { DropMonitorConfig } from './config.ts';
import { dropDecoder } from './decode.ts';
import { DROP_CTR_SUPPRESSED, DROP_TYPE_ID } from './layout.ts';
import { dropReasonNames } from './reasons.ts';

export interface DropMonitorOptions extends RingDelivery, Exclusion {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
  /** Records per second over all CPUs; 0 for no limit. */
  readonly maxEventsPerSecond: number;
}

/** Replaces the excluded processes of a loaded drop.bpf.o (callable while it runs). */
export function writeDropExclusion(obj: BpfObject, ex: Exclusion): void {
  writeExclusion(obj, 'drop_exclude_pids', ex, 'AGENT_DROP_FILTER');
}

export interface TokenBucket {
  /** Credit one record costs on one CPU, in nanoseconds (0: no limit). */
  readonly costNs: bigint;
  /** Credit a CPU can save up: one second, so a burst of rate/cpus records. */
  readonly burstNs: bigint;
}

const NS_PER_S = 1_000_000_000n;

/**
 * The kernel's bucket is per CPU (tracing programs cannot lock), so each CPU
 * gets an equal share of the rate and the sum never exceeds it.
 */
export function tokenBucket(maxEventsPerSecond: number, cpus: number): TokenBucket {
  if (maxEventsPerSecond <= 0) return { costNs: 0n, burstNs: NS_PER_S };
  const n = BigInt(Math.max(1, Math.trunc(cpus)));
  const rate = BigInt(Math.trunc(maxEventsPerSecond));
  // Rounded up, so the per-CPU shares never add up to more than the rate.
  return { costNs: (NS_PER_S * n + rate - 1n) / rate, burstNs: NS_PER_S };
}

export function dropMonitor(opts: DropMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const { clock } = opts;
  exclusionEntries(opts, 'AGENT_DROP_FILTER'); // too many: refused before anything loads
  // Reason names come from the running kernel: they change between versions.
  const names = dropReasonNames(
    deps.kernel.enumValues('skb_drop_reason'),
    deps.kernel.enumValues('skb_drop_reason_subsys'),
  );
  const decoder = { family: 'drop', names } as const;
  return new RingMonitor(
    {
      name: 'drop',
      object: 'drop',
      ringMap: 'drop_events',
      dropsMap: 'drop_drops',
      ringBufferBytes: opts.ringBufferBytes,
      wakeupBytes: opts.wakeupBytes,
      pollIntervalMs: opts.pollIntervalMs,
      dropTypes: [DROP_TYPE_ID],
      decoder,
      createDecoder: (c) => dropDecoder(decoder, c),
      clock,
      configure: (spec, kernel) => {
        const b = tokenBucket(opts.maxEventsPerSecond, kernel.possibleCpus());
        spec.setGlobal('cost_ns', b.costNs);
        spec.setGlobal('burst_ns', b.burstNs);
      },
      prepare: (obj) => writeDropExclusion(obj, opts),
      counters: (obj: BpfObject) => ({
        suppressed: sumPerCpu(obj.typedMap('drop_counters', u32, u64n), DROP_CTR_SUPPRESSED),
      }),
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see docs/architecture.md, "Event path"). */
const DELIVERY = { wakeupBytes: 16384, pollIntervalMs: 20 };

export function createMonitor(cfg: DropMonitorConfig, ctx: MonitorContext): Monitor {
  return dropMonitor(
    {
      clock: ctx.clock,
      ringBufferBytes: cfg.ringBufferBytes,
      ...ringDelivery(cfg, DELIVERY),
      maxEventsPerSecond: cfg.maxEventsPerSecond,
      ...selfExclusion(cfg.excludeSelf),
    },
    {
      bridge: ctx.bridge,
      kernel: ctx.kernel,
      ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
    },
  );
}
