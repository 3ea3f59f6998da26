/**
 * tc (sched_cls) attachments. libbpf 1.1 attaches them as netlink filters on
 * a clsact qdisc, not as bpf_links: there is no link object to pin. A filter
 * is identified by (ifindex, direction, priority, handle) and stays attached
 * until deleted; it holds its program, whose pin the manager keeps.
 */
import type { NativeBridge } from '../bridge.ts';
import { check, checkZero } from '../check.ts';

export type TcDirection = 'ingress' | 'egress';

export interface TcTarget {
  readonly ifindex: number;
  readonly direction: TcDirection;
  /** 0: the kernel picks. */
  readonly priority?: number;
  /** 0: the kernel picks. */
  readonly handle?: number;
}

export interface TcFilter {
  readonly ifindex: number;
  readonly direction: TcDirection;
  readonly priority: number;
  readonly handle: number;
  /** Kernel id of the attached program. */
  readonly progId: number;
}

const ENOENT = 2;
const EINVAL = 22;
const ENODEV = 19;

export function attachTc(bridge: NativeBridge, progFd: number, t: TcTarget): TcFilter {
  const r = check(
    bridge,
    bridge.tcAttach(progFd, t.ifindex, t.direction === 'ingress', t.priority ?? 0, t.handle ?? 0),
    `attach tc ${t.direction} on ifindex ${t.ifindex}`,
  );
  return { ifindex: t.ifindex, direction: t.direction, ...r };
}

export function detachTc(bridge: NativeBridge, f: Omit<TcFilter, 'progId'>): void {
  checkZero(
    bridge,
    bridge.tcDetach(f.ifindex, f.direction === 'ingress', f.priority, f.handle),
    `detach tc ${f.direction} filter ${f.priority}:${f.handle} on ifindex ${f.ifindex}`,
  );
}

/** Id of the program the filter runs, or undefined when there is no such filter. */
export function queryTc(bridge: NativeBridge, f: Omit<TcFilter, 'progId'>): number | undefined {
  const r = bridge.tcQuery(f.ifindex, f.direction === 'ingress', f.priority, f.handle);
  // ENOENT: no such filter; EINVAL: its chain is gone too (all filters deleted); ENODEV: no interface.
  if (r === -ENOENT || r === -EINVAL || r === -ENODEV) {
    bridge.takeLog();
    return undefined;
  }
  return check(bridge, r, `query tc filter ${f.priority}:${f.handle} on ifindex ${f.ifindex}`);
}
