/** Reads every layer a resolution needs: config files, the environment, flags. */
import type { z } from 'zod';
import { envLayer } from './env-layer.ts';
import { configDirs, findConfigFile, readConfigFile } from './file-layers.ts';
import { type Layer, type PointEntry, pointLayer } from './layer.ts';
import type { ConfigProblem, KeyPath } from './problem.ts';

/** One command-line setting: `--db /x.db` is { flag: '--db', path: ['database'], value: '/x.db' }. */
export interface FlagSetting {
  readonly flag: string;
  readonly path: KeyPath;
  readonly value: unknown;
}

export interface LoadOptions {
  /** An explicit file (--config): replaces the directory layers. */
  readonly file?: string;
  /** Directories of file layers, lowest first; default: /etc/bpfwarden, then $XDG_CONFIG_HOME/bpfwarden. */
  readonly dirs?: readonly string[];
  /** Default: process.env. Pass {} to leave the environment out. */
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: readonly FlagSetting[];
}

export function loadLayers(
  schema: z.ZodType,
  opts: LoadOptions,
): { layers: Layer[]; problems: ConfigProblem[] } {
  const env = opts.env ?? process.env;
  const layers: Layer[] = [];
  const problems: ConfigProblem[] = [];
  const files: string[] = [];
  if (opts.file !== undefined) files.push(opts.file);
  else {
    for (const dir of opts.dirs ?? configDirs(env)) {
      const found = findConfigFile(dir);
      if (found.problem) problems.push(found.problem);
      if (found.path) files.push(found.path);
    }
  }
  for (const f of files) {
    const r = readConfigFile(f);
    if (r.problem) problems.push(r.problem);
    if (r.layer) layers.push(r.layer);
  }
  const e = envLayer(schema, env);
  problems.push(...e.problems);
  if (Object.keys(e.layer.data).length > 0) layers.push(e.layer);
  const flags = opts.flags ?? [];
  if (flags.length > 0) {
    const entries: PointEntry[] = flags.map((f) => ({
      path: f.path,
      value: f.value,
      origin: { kind: 'flag', flag: f.flag },
    }));
    layers.push(pointLayer('command line', entries));
  }
  return { layers, problems };
}
