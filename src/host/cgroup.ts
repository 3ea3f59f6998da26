/** Where cgroup v2 is mounted: cgroup programs attach to a directory in it. */
import { mountedFilesystems } from './mounts.ts';

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The first cgroup2 mount point among mounts (target -> fs type), or undefined. */
export function cgroup2MountIn(mounts: ReadonlyMap<string, string>): string | undefined {
  for (const [target, type] of mounts) {
    if (type === 'cgroup2') return unescapeMountPath(target);
  }
  return undefined;
}

/** The cgroup v2 root of this host (e.g. /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems). */
export function cgroup2Root(): string | undefined {
  return cgroup2MountIn(mountedFilesystems());
}
