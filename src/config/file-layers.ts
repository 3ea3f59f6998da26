/**
 * Config files: where they are looked for, and reading one into a layer.
 * Each directory is one layer holding at most one config.{yaml,yml,json,toml};
 * two there is an error, since which one wins would be a guess.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseJsonText } from './json-text.ts';
import type { Layer } from './layer.ts';
import { isMapping } from './merge.ts';
import { formatOf, type ParseResult } from './parsed-file.ts';
import type { ConfigProblem } from './problem.ts';
import { parseTomlText } from './toml-text.ts';
import { parseYamlText } from './yaml-text.ts';

export const SYSTEM_CONFIG_DIR = '/etc/bpfwarden';
export const CONFIG_FILE_NAMES = ['config.yaml', 'config.yml', 'config.json', 'config.toml'] as const;
/** Replaces the default directories (colon-separated, lowest precedence first; empty: none). */
export const CONFIG_DIRS_ENV = 'BPFWARDEN_CONFIG_DIRS';

/** The per-user directory: $XDG_CONFIG_HOME/bpfwarden, by default ~/.config/bpfwarden. */
export function userConfigDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec ignores a relative XDG_CONFIG_HOME.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'bpfwarden');
}

/** The file-layer directories, lowest precedence first. */
export function configDirs(env: NodeJS.ProcessEnv): string[] {
  const override = env[CONFIG_DIRS_ENV];
  if (override !== undefined) return override.split(':').filter((d) => d !== '');
  return [SYSTEM_CONFIG_DIR, userConfigDir(env)];
}

/** The config file in a directory, if any; two or more is a problem naming them. */
export function findConfigFile(dir: string): { path?: string; problem?: ConfigProblem } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {}; // no directory, no layer
    return {
      problem: {
        origin: { kind: 'file', path: dir },
        path: [],
        message: `cannot read the directory: ${(err as Error).message}`,
      },
    };
  }
  const found = CONFIG_FILE_NAMES.filter((n) => names.includes(n)).map((n) => join(dir, n));
  if (found.length > 1) {
    return {
      problem: {
        origin: { kind: 'file', path: dir },
        path: [],
        message: `more than one config file in one place: ${found.join(' and ')}; keep one`,
      },
    };
  }
  return found[0] ? { path: found[0] } : {};
}

/** Never throws: a parser's own exception (an alias bomb, a stack overflow) is a problem like a syntax error. */
function parseText(path: string, text: string): ParseResult {
  try {
    return parseByFormat(path, text);
  } catch (err) {
    const message = err instanceof RangeError ? 'the file nests too deeply to read' : (err as Error).message;
    return { ok: false, message: message.split('\n')[0] ?? String(err) };
  }
}

function parseByFormat(path: string, text: string): ParseResult {
  switch (formatOf(path)) {
    case 'JSON':
      return parseJsonText(text);
    case 'TOML':
      return parseTomlText(text);
    case 'YAML':
      return parseYamlText(text);
  }
}

/** One file as a layer, or the one problem that stops it being read. */
export function readConfigFile(path: string): { layer?: Layer; problem?: ConfigProblem } {
  const whole = (message: string, line?: number, column?: number): { problem: ConfigProblem } => ({
    problem: {
      origin: { kind: 'file', path, ...(line === undefined ? {} : { line, column: column ?? 1 }) },
      path: [],
      message,
    },
  });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return whole(`cannot read config file: ${(err as Error).message}`);
  }
  const r = parseText(path, text);
  if (!r.ok) return whole(`not valid ${formatOf(path)}: ${r.message}`, r.position?.line, r.position?.column);
  const data = r.data ?? {};
  if (!isMapping(data)) return whole('expected a mapping of settings at the top level', 1, 1);
  return {
    layer: {
      name: path,
      data,
      origin: (keyPath) => {
        const p = r.locate(keyPath);
        return { kind: 'file', path, ...(p ? { line: p.line, column: p.column } : {}) };
      },
    },
  };
}
