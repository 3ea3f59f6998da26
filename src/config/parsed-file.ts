/** What reading one config file's text yields: its data and where each key is, or a syntax error. */
import type { KeyPath } from './problem.ts';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a key path is written in the file (or its nearest written ancestor). */
export type Locate = (path: KeyPath) => Position | undefined;

export type ParseResult =
  | { readonly ok: true; readonly data: unknown; readonly locate: Locate }
  | { readonly ok: false; readonly message: string; readonly position?: Position };

export type FileFormat = 'YAML' | 'JSON' | 'TOML';

/** By extension: .json and .toml, YAML otherwise (.yaml, .yml and anything else). */
export function formatOf(path: string): FileFormat {
  if (path.endsWith('.json')) return 'JSON';
  if (path.endsWith('.toml')) return 'TOML';
  return 'YAML';
}

/** 1-based line and column of an offset in text. */
export function positionOf(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

export const NOWHERE: Locate = () => undefined;
