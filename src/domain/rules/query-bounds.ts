/**
 * Size bounds checked on the tokens before any recursive reader (the SQL
 * parser, the AST walk) sees the query. They make validation the same in
 * every thread whatever its stack size (the CLI's main thread and the API's
 * worker disagreed on a 900-deep query), and keep out queries that SQLite
 * itself would refuse only at run time (a call with thousands of arguments).
 */
import type { Position, Token } from './sql-lexer.ts';

/** Far above the starter rules (the largest has under 200 tokens). */
export const MAX_QUERY_TOKENS = 2_000;
/** Parentheses open at once: subqueries, calls and groupings together. */
export const MAX_NESTING = 32;
/** Arguments of one call; SQLite's own limit is a build option. */
export const MAX_CALL_ARGUMENTS = 100;

export function checkBounds(tokens: readonly Token[], fail: (m: string, at?: Position) => void): boolean {
  if (tokens.length > MAX_QUERY_TOKENS) {
    fail(`query has ${tokens.length} tokens; at most ${MAX_QUERY_TOKENS}`, tokens[MAX_QUERY_TOKENS]);
    return false;
  }
  // One frame per open parenthesis: whether it is a call, and its argument count so far.
  const open: { call: string | null; args: number; at: Token }[] = [];
  let ok = true;
  tokens.forEach((t, i) => {
    if (t.kind !== 'op') return;
    if (t.text === '(') {
      const prev = tokens[i - 1];
      const call = prev !== undefined && (prev.kind === 'word' || prev.kind === 'quoted') ? prev : null;
      open.push({ call: call?.text ?? null, args: 1, at: call ?? t });
      if (open.length === MAX_NESTING + 1) {
        fail(`parentheses nest ${MAX_NESTING + 1} deep here; at most ${MAX_NESTING}`, t);
        ok = false;
      }
    } else if (t.text === ')') {
      open.pop();
    } else if (t.text === ',') {
      const top = open[open.length - 1];
      if (top?.call && ++top.args === MAX_CALL_ARGUMENTS + 1) {
        fail(
          `${top.call}() has more than ${MAX_CALL_ARGUMENTS} arguments; at most ${MAX_CALL_ARGUMENTS}`,
          top.at,
        );
        ok = false;
      }
    }
  });
  return ok;
}
