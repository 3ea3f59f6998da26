/**
 * Where the manager pins things in bpffs (all under one root, default
 * /sys/fs/bpf/bpfwarden):
 *
 *   <root>/objects/<objectId>/progs/<program>   one per loaded program
 *   <root>/objects/<objectId>/maps/<map>        one per map of the object ('.' becomes '_':
 *                                               bpffs refuses dots in names)
 *   <root>/links/<linkId>                       one per bpf_link (tc filters have none)
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const objectDir = (root: string, objectId: number): string => join(root, 'objects', String(objectId));
export const programPin = (root: string, objectId: number, name: string): string =>
  join(objectDir(root, objectId), 'progs', name);
export const mapPin = (root: string, objectId: number, name: string): string =>
  join(objectDir(root, objectId), 'maps', name.replace(/[./]/g, '_'));
export const linkPin = (root: string, linkId: number): string => join(root, 'links', String(linkId));

/** What the layout says a pin path holds. */
export function pinKindOf(root: string, path: string): 'prog' | 'map' | 'link' | 'unknown' {
  const rel = path.startsWith(`${root}/`) ? path.slice(root.length + 1).split('/') : [];
  if (rel[0] === 'links' && rel.length === 2) return 'link';
  if (rel[0] === 'objects' && rel.length === 4)
    return rel[2] === 'progs' ? 'prog' : rel[2] === 'maps' ? 'map' : 'unknown';
  return 'unknown';
}

export function ensureParent(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
}

/** Removes a pin; a missing one is fine. */
export function unpin(path: string): void {
  rmSync(path, { force: true });
}

/** Every pin file under root (directories are not pins). */
export function listPins(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Removes empty directories left under root after unpinning. */
export function pruneEmptyDirs(dir: string, root: string): void {
  for (let d = dir; d.startsWith(`${root}/`); d = dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmSync(d, { recursive: false, force: true });
    } catch {
      return;
    }
  }
}
