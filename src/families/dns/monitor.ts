/**
 * DNS monitor: UDP port 53 in both directions from cgroup_skb programs on
 * the cgroup v2 root; answers are linked to the querying pid here.
 */
import { closeSync, openSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { AgentError } from '../../domain/agent-error.ts';
import type { BootClock } from '../../domain/clock.ts';
import type { Attachment, BpfObject } from '../../ebpf/index.ts';
import { cgroup2Root } from '../../host/cgroup.ts';
import type { Monitor, MonitorContext } from '../monitor.ts';
import { type RingDelivery, ringDelivery } from '../ring-config.ts';
import { RingMonitor, type RingMonitorDeps } from '../ring-monitor.ts';
import type { DnsMonitorConfig } from './config.ts';
import { dnsDecoder } from './decode.ts';
import { DNS_TYPE_ID } from './layout.ts';

export interface DnsMonitorOptions extends RingDelivery {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
  /** cgroup v2 directory to attach to (relative: under the cgroup v2 root); default: the root (every process). */
  readonly cgroupPath?: string | undefined;
}

const DECODER = { family: 'dns' } as const;

export function dnsMonitor(opts: DnsMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const root = cgroup2Root();
  const path =
    opts.cgroupPath === undefined || isAbsolute(opts.cgroupPath)
      ? (opts.cgroupPath ?? root)
      : root && join(root, opts.cgroupPath);
  let cgroupFd: number | undefined;
  return new RingMonitor(
    {
      name: 'dns',
      object: 'dns',
      ringMap: 'dns_events',
      dropsMap: 'dns_drops',
      ringBufferBytes: opts.ringBufferBytes,
      wakeupBytes: opts.wakeupBytes,
      pollIntervalMs: opts.pollIntervalMs,
      dropTypes: [DNS_TYPE_ID],
      decoder: DECODER,
      createDecoder: (c) => dnsDecoder(DECODER, c),
      clock: opts.clock,
      configure: (spec) => {
        // At the root every loopback datagram is seen leaving its sender: report it once.
        spec.setGlobal('skip_loopback_ingress', path !== undefined && path === root);
      },
      attach: (obj: BpfObject): Attachment[] => {
        if (path === undefined) {
          throw new AgentError(
            'AGENT_NO_CGROUP2',
            'cgroup v2 is not mounted (no cgroup2 in /proc/mounts); mount it or set monitors.dns.cgroupPath',
          );
        }
        try {
          // O_RDONLY opens a directory; the kernel wants its fd.
          cgroupFd = openSync(path, 'r');
        } catch (err) {
          throw new AgentError('AGENT_CGROUP_OPEN', `cannot open cgroup ${path}: ${(err as Error).message}`);
        }
        const links: Attachment[] = [];
        try {
          for (const p of obj.programs) links.push(p.attachCgroup(cgroupFd, `${p.section} on ${path}`));
        } catch (err) {
          for (const l of links) l.destroy();
          throw err;
        }
        return links;
      },
      release: () => {
        if (cgroupFd !== undefined) closeSync(cgroupFd);
        cgroupFd = undefined;
      },
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see docs/architecture.md, "Event path"). */
const DELIVERY = { wakeupBytes: 16384, pollIntervalMs: 20 };

export function createMonitor(cfg: DnsMonitorConfig, ctx: MonitorContext): Monitor {
  return dnsMonitor(
    {
      clock: ctx.clock,
      ringBufferBytes: cfg.ringBufferBytes,
      ...ringDelivery(cfg, DELIVERY),
      cgroupPath: cfg.cgroupPath,
    },
    {
      bridge: ctx.bridge,
      kernel: ctx.kernel,
      ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
    },
  );
}
