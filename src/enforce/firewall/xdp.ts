/**
 * Attaching the pinned firewall program to interfaces: one pinned XDP link
 * per interface (links/<iface>), native (drv) mode first when the mode is
 * auto, generic (skb) mode when the driver has no XDP support.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import { BpfError, type NativeBridge, OwnedFd } from '../../ebpf/index.ts';
import { attachXdp, FdLink } from '../../ebpf/links/index.ts';
import { ifindexOf } from '../../manager/attach.ts';
import type { XdpModeUsed, XdpModeWanted } from '../../store/firewall-store.ts';
import { linkPin, linksDir, progPin } from './pins.ts';

export interface Attached {
  readonly iface: string;
  readonly ifindex: number;
  /** The mode the kernel took; undefined when the link was already there (the mode was recorded then). */
  readonly mode: XdpModeUsed | undefined;
  readonly linkId: number;
}

export interface LinkState {
  readonly iface: string;
  /** A link is pinned for the interface. */
  readonly pinned: boolean;
  /** That link is attached to the interface of that name now. */
  readonly attached: boolean;
  readonly linkId: number | null;
}

const IFNAME = /^[\w.@-]{1,15}$/;

export function checkIfname(iface: string): void {
  if (!IFNAME.test(iface))
    throw new FirewallError(
      'BAD_ARGUMENT',
      `"${iface}" is not an interface name (1-15 letters, digits, ._@-)`,
    );
}

export function linkState(bridge: NativeBridge, root: string, iface: string): LinkState {
  const pin = linkPin(root, iface);
  if (!existsSync(pin)) return { iface, pinned: false, attached: false, linkId: null };
  const link = FdLink.fromPin(bridge, pin);
  try {
    const info = link.info();
    const now = ifindexOf(iface);
    return {
      iface,
      pinned: true,
      attached: info.ifindex !== undefined && info.ifindex > 0 && info.ifindex === now,
      linkId: info.id,
    };
  } finally {
    link.close();
  }
}

export function attachInterface(
  bridge: NativeBridge,
  root: string,
  iface: string,
  mode: XdpModeWanted,
): Attached {
  checkIfname(iface);
  const ifindex = ifindexOf(iface);
  if (ifindex === undefined) throw new FirewallError('NO_INTERFACE', `no network interface named "${iface}"`);
  const state = linkState(bridge, root, iface);
  if (state.attached) return { iface, ifindex, mode: undefined, linkId: state.linkId! };
  // A link left by an interface that went away (or was re-created): replace it.
  if (state.pinned) rmSync(linkPin(root, iface), { force: true });
  mkdirSync(linksDir(root), { recursive: true, mode: 0o700 });
  const prog = OwnedFd.fromPin(bridge, progPin(root));
  const failures: string[] = [];
  try {
    for (const m of mode === 'auto' ? (['drv', 'skb'] as const) : [mode]) {
      let link: FdLink;
      try {
        link = attachXdp(bridge, prog.fd, { ifindex, mode: m });
      } catch (err) {
        failures.push(`${m}: ${err instanceof BpfError ? err.message : String(err)}`);
        continue;
      }
      try {
        link.pin(linkPin(root, iface));
        return { iface, ifindex, mode: m, linkId: link.id };
      } finally {
        link.close();
      }
    }
  } finally {
    prog.close();
  }
  throw new FirewallError(
    'ATTACH_FAILED',
    `cannot attach the firewall to ${iface}: ${failures.join('; ')}` +
      (failures.some((f) => /EBUSY|EEXIST/.test(f)) ? ' (another XDP program is attached to it)' : ''),
  );
}

/** Detaches and unpins the interface's link; false when none was pinned. */
export function detachInterface(bridge: NativeBridge, root: string, iface: string): boolean {
  checkIfname(iface);
  const pin = linkPin(root, iface);
  if (!existsSync(pin)) return false;
  const link = FdLink.fromPin(bridge, pin);
  try {
    const info = link.info();
    // A link whose interface is gone is detached already.
    if (info.ifindex) link.detach();
  } finally {
    link.close();
  }
  rmSync(pin, { force: true });
  return true;
}

/** Interfaces that have a pinned link. */
export function pinnedInterfaces(root: string): string[] {
  try {
    return readdirSync(linksDir(root)).sort();
  } catch {
    return [];
  }
}
