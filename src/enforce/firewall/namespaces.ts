/**
 * Which namespaces this process is in, against the host's: `ip netns exec`
 * and `nsenter --net` run a command in another network namespace (where the
 * firewall attaches to that namespace's interfaces), and `ip netns exec` in a
 * mount namespace of its own too (where a bpffs mounted for the command
 * vanishes with it). "The host" is pid 1's namespaces; when pid 1 cannot be
 * inspected (it holds capabilities this process lacks) kthreadd's (pid 2),
 * which always runs in the initial namespaces.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

export type NsKind = 'net' | 'mnt';

/** The namespace inode of /proc/<pid>/ns/<kind>, or undefined when it cannot be read. */
export function nsInode(pid: number | 'self', kind: NsKind): number | undefined {
  try {
    const m = /^\w+:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${kind}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const isKthreadd = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'kthreadd';
  } catch {
    return false;
  }
};

/** The process whose namespaces count as the host's, and its namespace inode; undefined: none readable. */
export function hostProcess(kind: NsKind): { pid: number; inode: number } | undefined {
  for (const pid of [1, 2]) {
    if (pid === 2 && !isKthreadd(2)) continue;
    const inode = nsInode(pid, kind);
    if (inode !== undefined) return { pid, inode };
  }
  return undefined;
}

export interface NetnsIdentity {
  readonly inode: number;
  /** Its name under /run/netns (ip netns add), when it has one. */
  readonly name?: string;
}

/** This process's network namespace when it is not the host's; null in the host's (or when it cannot be told). */
export function foreignNetns(runNetns = '/run/netns'): NetnsIdentity | null {
  const self = nsInode('self', 'net');
  const host = hostProcess('net');
  if (self === undefined || host === undefined || self === host.inode) return null;
  let names: string[] = [];
  try {
    names = readdirSync(runNetns).sort();
  } catch {
    // no named namespaces
  }
  for (const name of names) {
    try {
      // A named namespace is its nsfs file bind-mounted there: same inode.
      if (statSync(`${runNetns}/${name}`).ino === self) return { inode: self, name };
    } catch {
      // a stale or unreadable entry
    }
  }
  return { inode: self };
}
