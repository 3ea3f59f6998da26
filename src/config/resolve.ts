/**
 * Defaults <- file layers <- environment <- flags, merged and validated by
 * one schema. Problems reading a layer (syntax, duplicate files, unknown
 * variables) come first; what could be read is still validated, so one run
 * shows every problem.
 */
import type { z } from 'zod';
import { issuesToProblems } from './issues.ts';
import type { Layer } from './layer.ts';
import { decides, deepMerge, holds, type Mapping } from './merge.ts';
import type { ConfigProblem, KeyPath, Origin } from './problem.ts';

export type Resolution<T> =
  | {
      readonly ok: true;
      readonly config: T;
      /** The layers that were read, lowest precedence first. */
      readonly layers: readonly Layer[];
      /** Who set the value at a path: the highest layer deciding it, else the default. */
      readonly originOf: (path: KeyPath) => Origin;
      /**
       * Like originOf, but a value the schema filled in (a default inside a
       * list item a file gave) is the default's, not the file's.
       */
      readonly sourceOf: (path: KeyPath) => Origin;
    }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export function originIn(layers: readonly Layer[], path: KeyPath): Origin {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i] as Layer;
    if (decides(l.data, path)) return l.origin(path);
  }
  return { kind: 'default' };
}

export function resolveLayers<S extends z.ZodType>(
  schema: S,
  layers: readonly Layer[],
  loadProblems: readonly ConfigProblem[] = [],
): Resolution<z.output<S>> {
  let merged: unknown = {};
  for (const l of layers) merged = deepMerge(merged, l.data);
  const originOf = (path: KeyPath): Origin => originIn(layers, path);
  const r = schema.safeParse(merged as Mapping, { reportInput: true });
  if (!r.success) {
    return {
      ok: false,
      problems: [...loadProblems, ...issuesToProblems(schema, r.error.issues, merged, originOf)],
    };
  }
  if (loadProblems.length > 0) return { ok: false, problems: loadProblems };
  const sourceOf = (path: KeyPath): Origin => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i] as Layer;
      if (decides(l.data, path)) return holds(l.data, path) ? l.origin(path) : { kind: 'default' };
    }
    return { kind: 'default' };
  };
  return { ok: true, config: r.data, layers, originOf, sourceOf };
}
