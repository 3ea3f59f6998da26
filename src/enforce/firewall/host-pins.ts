/**
 * Where pins outlive the command that makes them. `ip netns exec` runs its
 * command in a mount namespace of its own with a fresh /sys; a bpffs mounted
 * there vanishes with that namespace when the command exits, and with it
 * every link pinned in it (the XDP program is detached then). So in a mount
 * namespace other than the host's, pins go into the host's bpffs through
 * /proc/<host pid>/root, or the command refuses: it never attaches what
 * would be gone when it returns.
 */
import { statfsSync, statSync } from 'node:fs';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import { BPFFS } from '../../host/paths.ts';
import { hostProcess, nsInode } from './namespaces.ts';

const BPF_FS_MAGIC = 0xcafe4a11;

/** The device of the bpffs mounted at path, or undefined when there is none (or it cannot be seen). */
function bpffsDev(path: string): number | undefined {
  try {
    if (statfsSync(path).type !== BPF_FS_MAGIC) return undefined;
    return statSync(path).dev;
  } catch {
    return undefined;
  }
}

export interface PinLocation {
  /** The path to pin under: the pin root itself, or the same path in the host's bpffs. */
  readonly root: string;
  /** Set when root goes through another process's root (this command's own bpffs would not last). */
  readonly viaHost?: string;
}

/** Where to pin `root` (a path under /sys/fs/bpf) so the pins outlive this process. */
export function persistentPinRoot(root: string): PinLocation {
  const self = nsInode('self', 'mnt');
  const host = hostProcess('mnt');
  // The host's mount namespace, or no way to tell: pins here last as they always did.
  if (self === undefined || host === undefined || self === host.inode) return { root };
  const hostBpffs = `/proc/${host.pid}/root${BPFFS}`;
  const hostDev = bpffsDev(hostBpffs);
  // A copy of the host's mounts (unshare -m): the same bpffs, whose pins the host sees.
  if (hostDev !== undefined && bpffsDev(BPFFS) === hostDev) return { root };
  if (hostDev !== undefined) return { root: `/proc/${host.pid}/root${root}`, viaHost: hostBpffs };
  throw new FirewallError(
    'FIREWALL_PINS_WOULD_VANISH',
    `this command runs in a mount namespace of its own (as ip netns exec makes) whose ${BPFFS} ` +
      `disappears when it exits, taking the firewall's pins and links with it, and the host's bpffs ` +
      `is not reachable at ${hostBpffs}: mount it on the host (mount -t bpf bpf ${BPFFS}), or run the ` +
      "command with nsenter --net=/run/netns/NS, which keeps the host's mounts",
  );
}
