/**
 * Layers merge key by key: mappings merge recursively, while lists and
 * scalars replace what lower layers had. The layer that owns a key (for
 * messages and `config show`) follows the same rule.
 */
import type { KeyPath } from './problem.ts';

export type Mapping = Record<string, unknown>;

/** A settings mapping: a plain object (TOML's have no prototype), not a list or a date. */
export function isMapping(v: unknown): v is Mapping {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `over` merged onto `base`; neither is changed. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return over;
  const out: Mapping = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = Object.hasOwn(out, k) ? deepMerge(out[k], v) : v;
  }
  return out;
}

/** A mapping with one value set at a path (for flags), creating mappings on the way. */
export function setAt(target: Mapping, path: KeyPath, value: unknown): void {
  let cur = target;
  path.forEach((k, i) => {
    const key = String(k);
    if (i === path.length - 1) {
      cur[key] = value;
      return;
    }
    const next = cur[key];
    if (!isMapping(next)) cur[key] = {};
    cur = cur[key] as Mapping;
  });
}

/**
 * Whether a layer's data decides the value at `path`: it sets the path
 * itself, or a list or scalar above it (which replaces everything below).
 */
export function decides(data: Mapping, path: KeyPath): boolean {
  let v: unknown = data;
  for (const k of path) {
    // A list or scalar above the path: this layer replaced the whole subtree.
    if (!isMapping(v)) return true;
    if (!Object.hasOwn(v, String(k))) return false;
    v = v[String(k)];
  }
  return true;
}

/** Whether the data holds a value at exactly this path (through lists too). */
export function holds(data: unknown, path: KeyPath): boolean {
  let v = data;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, String(k))) return false;
    v = (v as Record<string, unknown>)[String(k)];
  }
  return v !== undefined;
}
