/** One source of settings, merged over the ones below it. */
import { deepMerge, isMapping, type Mapping } from './merge.ts';
import type { KeyPath, Origin } from './problem.ts';

export interface Layer {
  /** For listings: the file path, "environment" or "command line". */
  readonly name: string;
  readonly data: Mapping;
  /** Where this layer sets the value at `path` (only asked for paths it decides). */
  readonly origin: (path: KeyPath) => Origin;
}

export interface PointEntry {
  readonly path: KeyPath;
  readonly value: unknown;
  readonly origin: Origin;
}

function isPrefix(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(k) === String(path[i]));
}

/**
 * A layer of single settings (environment variables, flags): each entry
 * sets one key; a key's origin is the entry that set it or a key above it,
 * or for a mapping, the first entry inside it.
 */
export function pointLayer(name: string, entries: readonly PointEntry[]): Layer {
  const data: Mapping = {};
  // Shorter paths first, so BPFWARDEN_STORE='{...}' never hides BPFWARDEN_STORE__MAX_QUEUE.
  const sorted = [...entries].sort((a, b) => a.path.length - b.path.length);
  for (const e of sorted) {
    let cur = data;
    e.path.forEach((k, i) => {
      const key = String(k);
      if (i === e.path.length - 1) {
        cur[key] = deepMerge(cur[key], e.value);
        return;
      }
      const next = cur[key];
      if (!isMapping(next)) cur[key] = {};
      cur = cur[key] as Mapping;
    });
  }
  return {
    name,
    data,
    origin: (path) => {
      let best: PointEntry | undefined;
      for (const e of sorted) if (isPrefix(e.path, path)) best = e;
      best ??= sorted.find((e) => isPrefix(path, e.path));
      return best?.origin ?? { kind: 'label', label: name };
    },
  };
}
