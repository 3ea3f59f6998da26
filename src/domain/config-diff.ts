/**
 * What changed between two configurations, and which of those changes a
 * running agent may apply (pure: the list of live keys is given). A list is
 * one value; mappings are compared key by key.
 */

export type KeyPath = readonly string[];

export interface ConfigChange {
  readonly path: KeyPath;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChangePlan {
  /** Changes under a live key: applied while running. */
  readonly live: readonly ConfigChange[];
  /** Everything else: takes effect at the next start. */
  readonly restart: readonly ConfigChange[];
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/**
 * Every leaf: scalars, lists and empty mappings, in key order. With
 * `expandLists`, a list of mappings is walked too (its items as 0, 1, ...).
 */
export function leaves(
  v: unknown,
  prefix: KeyPath = [],
  opts: { readonly expandLists?: boolean } = {},
): { path: KeyPath; value: unknown }[] {
  if (opts.expandLists && Array.isArray(v) && v.length > 0 && v.every(isMapping)) {
    return v.flatMap((x, i) => leaves(x, [...prefix, String(i)], opts));
  }
  if (!isMapping(v) || (Object.keys(v).length === 0 && prefix.length > 0))
    return [{ path: prefix, value: v }];
  return Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .flatMap(([k, x]) => leaves(x, [...prefix, k], opts));
}

/** The keys whose values differ, in the order of `after` (then keys only `before` has). */
export function changedKeys(before: unknown, after: unknown, prefix: KeyPath = []): ConfigChange[] {
  if (isMapping(before) && isMapping(after)) {
    const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    return keys.flatMap((k) => changedKeys(before[k], after[k], [...prefix, k]));
  }
  return sameValue(before, after) ? [] : [{ path: prefix, before, after }];
}

function under(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

/** Splits changes by the live keys ("rules", "monitors.file.pathPrefixes": a key and all below it). */
export function planChanges(changes: readonly ConfigChange[], liveKeys: readonly string[]): ChangePlan {
  const live = liveKeys.map((k) => k.split('.'));
  const isLive = (c: ConfigChange): boolean => live.some((p) => under(c.path, p));
  return { live: changes.filter(isLive), restart: changes.filter((c) => !isLive(c)) };
}

/** A copy of `base` with the values at these paths taken from `from` (removed where `from` has none). */
export function withValuesFrom<T>(base: T, from: T, paths: readonly KeyPath[]): T {
  const out = structuredClone(base) as unknown;
  for (const path of paths) {
    if (path.length === 0) continue;
    let src: unknown = from;
    for (const k of path) src = isMapping(src) ? src[k] : undefined;
    let dst = out as Record<string, unknown>;
    for (const k of path.slice(0, -1)) {
      if (!isMapping(dst[k])) dst[k] = {};
      dst = dst[k] as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    if (src === undefined) delete dst[last];
    else dst[last] = structuredClone(src);
  }
  return out as T;
}
