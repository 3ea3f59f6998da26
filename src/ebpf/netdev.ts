/**
 * Network interfaces as this process's network namespace sees them, asked of
 * the kernel (SIOCGIFINDEX, netlink) rather than read from /sys/class/net,
 * which shows the namespace its sysfs was mounted for: after
 * `nsenter --net` that is still the host's.
 */
import type { NativeBridge } from './bridge.ts';
import { check } from './check.ts';

const ENODEV = 19;
const ENXIO = 6;

/** The interface's index in this network namespace; undefined when there is none of that name. */
export function interfaceIndex(bridge: NativeBridge, name: string): number | undefined {
  const r = bridge.ifNameToIndex(name);
  if (r === -ENODEV || r === -ENXIO) {
    bridge.takeLog();
    return undefined;
  }
  return check(bridge, r, `look up network interface ${name}`);
}

/** Ids of the XDP programs attached to the interface (any mode); empty when none. */
export function xdpProgramIds(bridge: NativeBridge, ifindex: number): number[] {
  const q = check(bridge, bridge.xdpQuery(ifindex), `query XDP on ifindex ${ifindex}`);
  return [q.progId, q.drvProgId, q.skbProgId, q.hwProgId].filter((id) => id > 0);
}
