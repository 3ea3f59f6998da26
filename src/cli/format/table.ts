/**
 * Plain aligned text tables for human output. Cells are sanitised here, the
 * last place before the terminal: event data (argv, comm) is attacker-chosen
 * and must not be able to move the cursor or recolour the screen.
 */

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longest cell shown; longer cells end in '…'. */
  readonly max?: number;
}

export interface TableOptions {
  readonly color: boolean;
}

const GAP = '  ';
const BOLD = '\x1b[1m';
const NORMAL = '\x1b[22m';

export function renderTable(
  columns: readonly Column[],
  rows: readonly string[][],
  opts: TableOptions,
): string {
  const cells = rows.map((row) => columns.map((c, i) => fit(sanitize(row[i] ?? ''), c.max)));
  const headers = columns.map((c) => fit(sanitize(c.header), c.max));
  // A loop, not Math.max(...cells): spreading 100k rows would overflow the argument limit.
  const widths = headers.map(width);
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  // No trailing spaces, even when the last cells are empty.
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => pad(v, widths[i] ?? 0, columns[i]?.align ?? 'left', i === values.length - 1))
      .join(GAP)
      .replace(/ +$/, '');
  const head = line(headers);
  const out = [opts.color ? `${BOLD}${head}${NORMAL}` : head, ...cells.map(line)];
  return `${out.join('\n')}\n`;
}

/** Replaces control characters (C0, DEL, C1) with visible escapes. */
export function sanitize(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

function fit(s: string, max: number | undefined): string {
  if (max === undefined || width(s) <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  return `${[...s].slice(0, max - 1).join('')}…`;
}

// Code points, not UTF-16 units, so astral characters count once.
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number, align: 'left' | 'right', last: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  if (align === 'right') return fill + s;
  // No trailing spaces after the last column.
  return last ? s : s + fill;
}
