/** YAML config text: data, key positions from the document's nodes, syntax errors with line and column. */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Locate, ParseResult } from './parsed-file.ts';
import type { KeyPath } from './problem.ts';

/** The node at each step of the path; the last one found is where the key is written. */
function locator(contents: unknown, lines: LineCounter): Locate {
  return (path: KeyPath) => {
    let node: unknown = contents;
    let at: number | undefined;
    for (const k of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(k));
        if (!pair) break;
        at = (pair.key as Node).range?.[0];
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(k)] as Node | undefined;
        if (!item) break;
        at = item.range?.[0];
        node = item;
      } else break;
    }
    if (at === undefined) return undefined;
    const p = lines.linePos(at);
    return { line: p.line, column: p.col };
  };
}

export function parseYamlText(text: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    // The first line, without the "at line L, column C:" the position already says.
    const first = (err.message.split('\n')[0] ?? err.code).replace(/ at line \d+, column \d+:?$/, '');
    // Where the stack ran out depends on the stack's size, not on the file.
    if (first.includes('Maximum call stack'))
      return { ok: false, message: 'the document nests too deeply to read' };
    const message = first;
    const pos = err.linePos?.[0];
    return { ok: false, message, ...(pos ? { position: { line: pos.line, column: pos.col } } : {}) };
  }
  return { ok: true, data: doc.toJS(), locate: locator(doc.contents, lines) };
}

/** Key positions only (for JSON text, which YAML reads too). */
export function yamlLocator(text: string): Locate {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  return locator(doc.contents, lines);
}

/** The first key written twice in one mapping (JSON text, which YAML reads too). */
export function yamlDuplicateKey(
  text: string,
): { message: string; position?: { line: number; column: number } } | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const err = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (!err) return undefined;
  const pos = err.linePos?.[0];
  const quoted = /"((?:[^"\\]|\\.)*)"/y;
  quoted.lastIndex = err.pos[0];
  const key = quoted.exec(text)?.[1];
  return {
    message: `duplicate key${key !== undefined ? ` "${key}"` : ''}: each key may appear once in an object`,
    ...(pos ? { position: { line: pos.line, column: pos.col } } : {}),
  };
}
