/**
 * JSON config text, strictly JSON. A syntax error is located by a small
 * scanner (the runtime's own message does not always say where).
 */
import { type ParseResult, positionOf } from './parsed-file.ts';
import { yamlDuplicateKey, yamlLocator } from './yaml-text.ts';

class Stop {
  readonly at: number;
  readonly message: string;
  constructor(at: number, message: string) {
    this.at = at;
    this.message = message;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

/** Offset and reason of the first syntax error; undefined when the text is valid JSON. */
export function jsonSyntaxError(text: string): { at: number; message: string } | undefined {
  let i = 0;
  const describe = (): string => (i >= text.length ? 'the end of the text' : JSON.stringify(text[i]));
  const fail = (what: string): never => {
    throw new Stop(i, `${what}, found ${describe()}`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const m = ESCAPE.exec(text.slice(i + 1, i + 6));
        if (!m) {
          i++;
          fail('expected an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        i += 1 + (m?.[0].length ?? 0);
        continue;
      }
      if (c < ' ') fail('expected the string to end before a line break or control character');
      i++;
    }
    fail('expected the string to end with "');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after the property name");
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("expected ',' or '}' after the value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("expected ',' or ']' after the value");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return;
    }
    fail('expected a value');
  };
  try {
    value();
    ws();
    if (i < text.length) fail('expected the end of the text after the value');
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { at: err.at, message: err.message };
    throw err;
  }
}

export function parseJsonText(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const found = jsonSyntaxError(text);
    if (!found) return { ok: false, message: (err as Error).message };
    return { ok: false, message: found.message, position: positionOf(text, found.at) };
  }
  // JSON.parse keeps the last of two equal keys silently; a config that says
  // one thing twice is refused, so what is read is what the file shows.
  const dup = yamlDuplicateKey(text);
  if (dup) return { ok: false, ...dup };
  return { ok: true, data, locate: yamlLocator(text) };
}
