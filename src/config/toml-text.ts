/**
 * TOML config text (smol-toml). The parser gives positions of syntax errors
 * but not of keys, so a line scanner finds where each table and key is
 * written: headers, [[arrays of tables]] and (dotted) keys.
 */
import { parse, TomlError } from 'smol-toml';
import type { Locate, ParseResult, Position } from './parsed-file.ts';
import type { KeyPath } from './problem.ts';

/** Dotted key "a.\"b.c\".d" -> ["a", "b.c", "d"]. */
function splitKey(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '.') {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/;
const KEY = /^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

function tomlLocator(text: string): Locate {
  const where = new Map<string, Position>();
  const arrays = new Map<string, number>();
  const mark = (path: readonly (string | number)[], p: Position): void => {
    const k = path.join('\0');
    if (!where.has(k)) where.set(k, p);
  };
  let table: (string | number)[] = [];
  let inString = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    // Skip the inside of multi-line strings: an odd count of """ or ''' toggles.
    const fences = (raw.match(/"""|'''/g) ?? []).length;
    const wasInString = inString;
    if (fences % 2 === 1) inString = !inString;
    if (wasInString) return;
    const h = HEADER.exec(raw);
    if (h) {
      const isArray = h[1] === '[[';
      const keys = splitKey(h[2] ?? '');
      const path: (string | number)[] = [];
      keys.forEach((k, j) => {
        path.push(k);
        // Inside an array of tables, a header continues its latest element.
        const idx = j < keys.length - 1 ? arrays.get(path.join('\0')) : undefined;
        if (idx !== undefined) path.push(idx);
      });
      const pos = { line, column: raw.indexOf('[') + 1 };
      if (isArray) {
        const k = path.join('\0');
        const idx = (arrays.get(k) ?? -1) + 1;
        arrays.set(k, idx);
        mark(path, pos);
        path.push(idx);
      }
      table = path;
      mark(table, pos);
      return;
    }
    const m = KEY.exec(raw);
    if (m) mark([...table, ...splitKey(m[2] ?? '')], { line, column: (m[1] ?? '').length + 1 });
  });
  return (path: KeyPath) => {
    for (let n = path.length; n > 0; n--) {
      const p = where.get(path.slice(0, n).join('\0'));
      if (p) return p;
    }
    return undefined;
  };
}

export function parseTomlText(text: string): ParseResult {
  try {
    return { ok: true, data: parse(text), locate: tomlLocator(text) };
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const message = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    return { ok: false, message, position: { line: err.line, column: err.column } };
  }
}
