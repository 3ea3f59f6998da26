/**
 * Window specifications the SQL parser cannot read. node-sql-parser's SQLite
 * grammar requires PARTITION BY in `OVER (...)` and has no frame clause
 * (`ROWS BETWEEN 5 PRECEDING AND CURRENT ROW`), both of which SQLite runs.
 * The validator checks a frame here on the tokens (keywords and constant
 * integers only, as SQLite requires of a frame offset) and hands the parser
 * a text where the frame is blanked and a missing PARTITION BY is supplied;
 * offsets in the parser's answer are mapped back to the rule's own text.
 */
import type { Position, Token } from './sql-lexer.ts';

const FRAME_START = new Set(['rows', 'range', 'groups']);
const FRAME_WORDS = new Set([
  ...FRAME_START,
  'between',
  'and',
  'unbounded',
  'preceding',
  'following',
  'current',
  'row',
  'exclude',
  'no',
  'others',
  'ties',
  'group',
]);
const FRAME_OPS = new Set(['(', ')', '+', '-', '*']);
const PARTITION = 'PARTITION BY 1 ';

export interface ParserText {
  readonly text: string;
  /** An offset in `text` as the offset in the rule's own text. */
  readonly original: (offset: number) => number;
}

interface Edit {
  /** Where in the original text. */
  readonly at: number;
  /** Characters inserted there (blanking keeps lengths). */
  readonly inserted: number;
}

export function parserText(
  sql: string,
  tokens: readonly Token[],
  fail: (m: string, at?: Position) => void,
): ParserText {
  let text = sql;
  const edits: Edit[] = [];
  // Applied from the end so earlier offsets stay valid while editing.
  const changes: { at: number; remove: number; insert: string }[] = [];
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] as Token;
    const open = tokens[i + 1] as Token;
    if (t.kind !== 'word' || t.text.toLowerCase() !== 'over' || open.text !== '(' || open.kind !== 'op')
      continue;
    const close = matching(tokens, i + 1);
    if (close < 0) continue;
    let depth = 0;
    let frame = -1;
    let partition = false;
    for (let k = i + 2; k < close; k++) {
      const x = tokens[k] as Token;
      if (x.kind === 'op' && x.text === '(') depth++;
      else if (x.kind === 'op' && x.text === ')') depth--;
      else if (depth === 0 && x.kind === 'word') {
        const w = x.text.toLowerCase();
        if (w === 'partition') partition = true;
        if (frame < 0 && FRAME_START.has(w)) frame = k;
      }
    }
    if (frame >= 0) {
      for (let k = frame; k < close; k++) {
        const x = tokens[k] as Token;
        const word = x.kind === 'word' && FRAME_WORDS.has(x.text.toLowerCase());
        const constant = x.kind === 'number' || (x.kind === 'op' && FRAME_OPS.has(x.text));
        if (!word && !constant) {
          fail(
            `window frame: ${x.text} is not allowed; a frame is ROWS, RANGE or GROUPS with UNBOUNDED, CURRENT ROW or a constant integer offset`,
            x,
          );
          break;
        }
      }
      const from = (tokens[frame] as Token).offset;
      const to = (tokens[close] as Token).offset;
      changes.push({ at: from, remove: to - from, insert: blank(sql.slice(from, to)) });
    }
    if (!partition) changes.push({ at: open.offset + 1, remove: 0, insert: PARTITION });
  }
  changes.sort((a, b) => b.at - a.at);
  for (const c of changes) {
    text = text.slice(0, c.at) + c.insert + text.slice(c.at + c.remove);
    if (c.insert.length !== c.remove) edits.push({ at: c.at, inserted: c.insert.length - c.remove });
  }
  edits.sort((a, b) => a.at - b.at);
  return {
    text,
    original: (offset) => {
      let shift = 0;
      for (const e of edits) {
        if (offset < e.at + shift) break;
        // Inside inserted text: the place it was inserted at.
        if (offset < e.at + shift + e.inserted) return e.at;
        shift += e.inserted;
      }
      return offset - shift;
    },
  };
}

function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const x = tokens[k] as Token;
    if (x.kind !== 'op') continue;
    if (x.text === '(') depth++;
    else if (x.text === ')' && --depth === 0) return k;
  }
  return -1;
}

/** Spaces for everything but line breaks, so lines and columns stay where they were. */
function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}
