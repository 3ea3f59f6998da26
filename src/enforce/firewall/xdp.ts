/**
 * Attaching the pinned firewall program to interfaces: one pinned XDP link
 * per interface (links/<key>, see iface-ref.ts), native (drv) mode first
 * when the mode is auto, generic (skb) mode when the driver has no XDP
 * support. Interfaces are resolved in the caller's network namespace, and an
 * attach is reported only once the kernel shows it from the pin.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import { BpfError, interfaceIndex, type NativeBridge, OwnedFd, xdpProgramIds } from '../../ebpf/index.ts';
import { attachXdp, FdLink } from '../../ebpf/links/index.ts';
import type { XdpModeUsed, XdpModeWanted } from '../../store/firewall-store.ts';
import { describeRef, type IfaceRef } from './iface-ref.ts';
import { linkPin, linksDir, progPin } from './pins.ts';

export { checkIfname } from './iface-ref.ts';

export interface Attached {
  /** The key (iface-ref.ts): the name, qualified with the namespace when not the host's. */
  readonly iface: string;
  readonly name: string;
  readonly netns?: string;
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
  /**
   * How `attached` was told: here, the interface's ifindex and its XDP
   * program were asked of this namespace; link, the interface is in another
   * namespace and only the link's own state (the kernel cuts a link from a
   * device that goes away) could be read.
   */
  readonly checked: 'here' | 'link' | null;
}

const where = (here: string | undefined): string =>
  here === undefined ? "the host's network namespace" : `network namespace ${here}`;

/** The link's program is the one XDP runs on ifindex, as this namespace's netlink reports. */
function runsOn(bridge: NativeBridge, ifindex: number, progId: number): boolean {
  try {
    return xdpProgramIds(bridge, ifindex).includes(progId);
  } catch (err) {
    if (err instanceof BpfError) return false;
    throw err;
  }
}

export function linkState(
  bridge: NativeBridge,
  root: string,
  ref: IfaceRef,
  here: string | undefined,
): LinkState {
  const pin = linkPin(root, ref.key);
  if (!existsSync(pin))
    return { iface: ref.key, pinned: false, attached: false, linkId: null, checked: null };
  const link = FdLink.fromPin(bridge, pin);
  try {
    const info = link.info();
    const base = { iface: ref.key, pinned: true, linkId: info.id };
    if (!info.ifindex) return { ...base, attached: false, checked: 'link' };
    if (ref.netns !== here) return { ...base, attached: true, checked: 'link' };
    const now = interfaceIndex(bridge, ref.name);
    return {
      ...base,
      attached: now === info.ifindex && runsOn(bridge, now, info.progId),
      checked: 'here',
    };
  } finally {
    link.close();
  }
}

export function attachInterface(
  bridge: NativeBridge,
  root: string,
  ref: IfaceRef,
  here: string | undefined,
  mode: XdpModeWanted,
): Attached {
  if (ref.netns !== here)
    throw new FirewallError(
      'FIREWALL_NO_INTERFACE',
      `${describeRef(ref)} is not in this command's network namespace (${where(here)}): attach it from inside its own` +
        (ref.netns ? ` (ip netns exec ${ref.netns} bpfwarden firewall attach ${ref.name})` : ''),
    );
  const ifindex = interfaceIndex(bridge, ref.name);
  if (ifindex === undefined)
    throw new FirewallError(
      'FIREWALL_NO_INTERFACE',
      `no network interface named "${ref.name}" in ${where(here)}`,
    );
  const state = linkState(bridge, root, ref, here);
  const done = (m: XdpModeUsed | undefined, linkId: number): Attached => ({
    iface: ref.key,
    name: ref.name,
    ...(ref.netns === undefined ? {} : { netns: ref.netns }),
    ifindex,
    mode: m,
    linkId,
  });
  if (state.attached) return done(undefined, state.linkId!);
  // A link left by an interface that went away (or was re-created): replace it.
  if (state.pinned) rmSync(linkPin(root, ref.key), { force: true });
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
      let linkId: number;
      try {
        link.pin(linkPin(root, ref.key));
        linkId = link.id;
      } finally {
        link.close();
      }
      confirmAttached(bridge, root, ref, ifindex, linkId);
      return done(m, linkId);
    }
  } finally {
    prog.close();
  }
  throw new FirewallError(
    'FIREWALL_ATTACH_FAILED',
    `cannot attach the firewall to ${describeRef(ref)}: ${failures.join('; ')}` +
      (failures.some((f) => /EBUSY|EEXIST/.test(f)) ? ' (another XDP program is attached to it)' : ''),
  );
}

/**
 * Reopens the link from its pin, with this process's own fd closed, and asks
 * netlink whether the interface runs its program: success is reported only
 * for an attachment the kernel holds through the pin. Removes the pin when not.
 */
function confirmAttached(
  bridge: NativeBridge,
  root: string,
  ref: IfaceRef,
  ifindex: number,
  linkId: number,
): void {
  const pin = linkPin(root, ref.key);
  let problem: string | undefined;
  try {
    const link = FdLink.fromPin(bridge, pin);
    try {
      const info = link.info();
      if (info.id !== linkId) problem = `the pin at ${pin} holds link ${info.id}, not ${linkId}`;
      else if (info.ifindex !== ifindex)
        problem = `link ${linkId} is on ifindex ${info.ifindex ?? 0}, not ${ifindex}`;
      else if (!runsOn(bridge, ifindex, info.progId))
        problem = `netlink reports no XDP program ${info.progId} on ifindex ${ifindex}`;
    } finally {
      link.close();
    }
  } catch (err) {
    problem = `cannot reopen the link pinned at ${pin}: ${(err as Error).message}`;
  }
  if (problem === undefined) return;
  rmSync(pin, { force: true });
  throw new FirewallError(
    'FIREWALL_ATTACH_FAILED',
    `the firewall did not stay attached to ${describeRef(ref)}: ${problem}; nothing is attached`,
  );
}

/** Detaches and unpins the interface's link; false when none was pinned. */
export function detachInterface(bridge: NativeBridge, root: string, ref: IfaceRef): boolean {
  const pin = linkPin(root, ref.key);
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

/** Keys of the interfaces that have a pinned link. */
export function pinnedInterfaces(root: string): string[] {
  try {
    return readdirSync(linksDir(root)).sort();
  } catch {
    return [];
  }
}
