/** Markdown tables and the number formats the benchmark report uses. */
import type { Summary } from './stats.ts';

export type Align = 'left' | 'right';

/** Escapes what would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; columns padded so the source reads as a table too. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const cols = headers.length;
  const body = rows.map((r) => Array.from({ length: cols }, (_, i) => cell(r[i] ?? '')));
  const head = headers.map(cell);
  const width = head.map((h, i) => Math.max(3, h.length, ...body.map((r) => r[i]!.length)));
  const pad = (text: string, i: number): string =>
    align[i] === 'right' ? text.padStart(width[i]!) : text.padEnd(width[i]!);
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** A number with a fixed count of decimals and thousands separators; '–' when missing. */
export function fmt(v: number | null | undefined, decimals = 0): string {
  if (v == null || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** "median (min–max)", or just the median when all repetitions agree or there was one. */
export function fmtSummary(s: Summary | null | undefined, decimals = 0, unit = ''): string {
  if (!s) return '–';
  const m = `${fmt(s.median, decimals)}${unit}`;
  if (s.n < 2 || fmt(s.min, decimals) === fmt(s.max, decimals)) return m;
  return `${m} (${fmt(s.min, decimals)}–${fmt(s.max, decimals)})`;
}
