/** XDP links by program fd on an interface, in a chosen mode (skb = generic, drv = native). */
import type { NativeBridge } from '../bridge.ts';
import { AttachType, XdpMode, type XdpModeName } from '../names.ts';
import { FdLink } from './fd-link.ts';

export interface XdpTarget {
  readonly ifindex: number;
  readonly mode: XdpModeName;
}

export function attachXdp(bridge: NativeBridge, progFd: number, t: XdpTarget): FdLink {
  return FdLink.from(
    bridge,
    bridge.linkCreate(progFd, t.ifindex, AttachType.XDP, XdpMode[t.mode]),
    'xdp',
    `ifindex ${t.ifindex} (${t.mode})`,
  );
}
