/**
 * A tokenizer that reads SQL the way SQLite does (quotes doubled to escape,
 * no backslash escapes, [bracket] and `backtick` identifiers, nested-free
 * comments). The validator uses it beside the parser for what the parser
 * might read differently: the statement count, and every name called as a
 * function. Positions are 1-based line and column.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'blob' | 'param' | 'op' | 'semicolon';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier/keyword text without quotes; strings without quotes. */
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class LexError extends Error {
  readonly position: Position;
  constructor(message: string, position: Position) {
    super(message);
    this.position = position;
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

export function positionAt(sql: string, offset: number): Position {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < sql.length; i++) {
    if (sql[i] === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  // Positions advance with the tokens (offsets only grow): linear, where a
  // positionAt() per token was quadratic in the query's length.
  let at = 0;
  let line = 1;
  let column = 1;
  const push = (kind: TokenKind, text: string, start: number): void => {
    for (; at < start; at++) {
      if (sql[at] === '\n') {
        line++;
        column = 1;
      } else column++;
    }
    out.push({ kind, text, offset: start, line, column });
  };
  const closing = (open: number, quote: string, what: string): number => {
    let j = open + 1;
    for (;;) {
      const k = sql.indexOf(quote, j);
      if (k < 0) throw new LexError(`unterminated ${what}`, positionAt(sql, open));
      // A doubled quote is an escaped quote (not for brackets).
      if (quote !== ']' && sql[k + 1] === quote) {
        j = k + 2;
        continue;
      }
      return k;
    }
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const k = sql.indexOf('\n', i);
      i = k < 0 ? sql.length : k + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      // SQLite accepts an unterminated block comment at the end of input.
      i = k < 0 ? sql.length : k + 2;
    } else if (c === "'") {
      const k = closing(i, "'", 'string');
      push('string', sql.slice(i + 1, k).replaceAll("''", "'"), i);
      i = k + 1;
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const k = closing(i + 1, "'", 'blob literal');
      push('blob', sql.slice(i + 2, k), i);
      i = k + 1;
    } else if (c === '"' || c === '`' || c === '[') {
      const q = c === '[' ? ']' : c;
      const k = closing(i, q, 'quoted identifier');
      push('quoted', sql.slice(i + 1, k).replaceAll(q + q, q), i);
      i = k + 1;
    } else if (WORD_START.test(c)) {
      let k = i + 1;
      while (k < sql.length && WORD_PART.test(sql[k] as string)) k++;
      push('word', sql.slice(i, k), i);
      i = k;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let k = i + 1;
      while (k < sql.length && /[0-9A-Za-z_.]/.test(sql[k] as string)) {
        if ((sql[k] === 'e' || sql[k] === 'E') && (sql[k + 1] === '+' || sql[k + 1] === '-')) k++;
        k++;
      }
      push('number', sql.slice(i, k), i);
      i = k;
    } else if ((c === ':' || c === '@' || c === '$') && WORD_START.test(sql[i + 1] ?? '')) {
      let k = i + 1;
      while (k < sql.length && WORD_PART.test(sql[k] as string)) k++;
      push('param', sql.slice(i + 1, k), i);
      i = k;
    } else if (c === '?') {
      let k = i + 1;
      while (k < sql.length && /[0-9]/.test(sql[k] as string)) k++;
      push('param', sql.slice(i, k), i);
      i = k;
    } else if (c === ';') {
      push('semicolon', ';', i);
      i++;
    } else {
      const two = sql.slice(i, i + 2);
      const op = ['||', '<=', '>=', '==', '!=', '<>', '<<', '>>', '->'].includes(two) ? two : c;
      const full = op === '->' && sql[i + 2] === '>' ? '->>' : op;
      push('op', full, i);
      i += full.length;
    }
  }
  return out;
}

/** Statements as SQLite would split them: token runs between semicolons, empty ones dropped. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'semicolon') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Names written as calls (`name (`), lower-cased, with the position of their first use. */
export function calledNames(tokens: readonly Token[]): Map<string, Position> {
  const out = new Map<string, Position>();
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if ((t.kind === 'word' || t.kind === 'quoted') && next?.kind === 'op' && next.text === '(') {
      const name = t.text.toLowerCase();
      if (!out.has(name)) out.set(name, { line: t.line, column: t.column });
    }
  });
  return out;
}

/** Where an identifier first appears (outside strings and comments), if it does. */
export function findName(tokens: readonly Token[], name: string): Position | undefined {
  const n = name.toLowerCase();
  const t = tokens.find((x) => (x.kind === 'word' || x.kind === 'quoted') && x.text.toLowerCase() === n);
  return t ? { line: t.line, column: t.column } : undefined;
}
