/**
 * What rules name by path, read from the host when rules are applied: a
 * cgroup v2 directory's id (its inode) and depth below the root, a
 * binary's inode and device, and a cgroup's ancestors (for `policy test`).
 */
import { realpathSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { PathResolvers, ResolvedBinary, ResolvedCgroup } from '../../domain/enforce/policy/rule.ts';
import { cgroup2Root } from '../../host/cgroup.ts';

function under(root: string, path: string): string[] | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || rel.startsWith('/')) return undefined;
  return rel === '' ? [] : rel.split('/');
}

function dirIno(path: string): number | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isDirectory() ? st.ino : undefined;
}

/** The cgroup v2 directory's id and level, or undefined (missing, or not under the cgroup v2 root). */
export function resolveCgroup(path: string, root = cgroup2Root()): ResolvedCgroup | undefined {
  if (!root) return undefined;
  const parts = under(root, path);
  if (!parts) return undefined;
  const id = dirIno(`${root}/${parts.join('/')}`);
  return id === undefined ? undefined : { id, level: parts.length };
}

/** Cgroup ids from the root down to `path` (what the kernel's ancestor lookup walks). */
export function cgroupAncestors(path: string, root = cgroup2Root()): number[] | undefined {
  if (!root) return undefined;
  const parts = under(root, path);
  if (!parts) return undefined;
  const ids: number[] = [];
  for (let i = 0; i <= parts.length; i++) {
    const id = dirIno([root, ...parts.slice(0, i)].join('/'));
    if (id === undefined) return undefined;
    ids.push(id);
  }
  return ids;
}

/** A regular file's identity, following symlinks; undefined when there is none. */
export function resolveBinary(path: string): ResolvedBinary | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() ? { inode: st.ino, dev: st.dev } : undefined;
}

export const hostResolvers: PathResolvers = {
  cgroup: (p) => resolveCgroup(p),
  binary: resolveBinary,
};
