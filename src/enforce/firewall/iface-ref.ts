/**
 * How the firewall names an interface in its pins and its store: the plain
 * name for the host's network namespace, `NAME@netns:NS` for one attached
 * from inside another namespace (NS: its `ip netns` name, else its inode).
 * Ifindexes and names repeat across namespaces (every container has an
 * eth0, often ifindex 2), so a plain name alone would mistake a namespace's
 * eth0 for the host's.
 */
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import type { NetnsIdentity } from './namespaces.ts';

export interface IfaceRef {
  /** The name pins and store rows use. */
  readonly key: string;
  /** The interface name inside its namespace. */
  readonly name: string;
  /** The namespace's label; undefined: the host's. */
  readonly netns?: string;
}

const IFNAME = /^[\w.@-]{1,15}$/;
const LABEL = /^[\w.-]{1,64}$/;
const SEP = '@netns:';

export function checkIfname(iface: string): void {
  if (!IFNAME.test(iface))
    throw new FirewallError(
      'FIREWALL_BAD_ARGUMENT',
      `"${iface}" is not an interface name (1-15 letters, digits, ._@-)`,
    );
}

/** The label a namespace gets in keys: its ip netns name when it is a plain word, else its inode. */
export function netnsLabel(ns: NetnsIdentity | null): string | undefined {
  if (!ns) return undefined;
  return ns.name && LABEL.test(ns.name) ? ns.name : String(ns.inode);
}

export function refOf(name: string, netns: string | undefined): IfaceRef {
  return {
    key: netns === undefined ? name : `${name}${SEP}${netns}`,
    name,
    ...(netns === undefined ? {} : { netns }),
  };
}

/**
 * What the user named: a qualified key (from `firewall stats`) as it is, a
 * plain name as the interface of that name in `here` (the caller's namespace).
 */
export function parseIface(input: string, here: string | undefined): IfaceRef {
  const at = input.lastIndexOf(SEP);
  if (at < 0) {
    checkIfname(input);
    return refOf(input, here);
  }
  const name = input.slice(0, at);
  const ns = input.slice(at + SEP.length);
  checkIfname(name);
  if (!LABEL.test(ns))
    throw new FirewallError(
      'FIREWALL_BAD_ARGUMENT',
      `"${input}": the namespace after ${SEP} must be an ip netns name or inode (letters, digits, ._-)`,
    );
  return refOf(name, ns);
}

/** A stored or pinned key back to its parts (keys were checked when written). */
export function refOfKey(key: string): IfaceRef {
  const at = key.lastIndexOf(SEP);
  return at < 0 ? refOf(key, undefined) : refOf(key.slice(0, at), key.slice(at + SEP.length));
}

export const describeRef = (r: IfaceRef): string =>
  r.netns === undefined ? r.name : `${r.name} in network namespace ${r.netns}`;
