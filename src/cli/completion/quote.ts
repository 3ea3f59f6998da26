/** Quoting for generated shell scripts: every name and description goes through here. */

/** A POSIX single-quoted word (bash, zsh). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word: only backslash and the quote are special. */
export function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A fish word, quoted only when it needs to be. */
export function fishWord(s: string): string {
  return /^[\w.,@%+=:/-]+$/.test(s) ? s : fishQuote(s);
}

/** A shell function name derived from the program name. */
export function functionName(program: string, ...parts: readonly string[]): string {
  return `_${[program, ...parts].join('__').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Case-pattern key for a command path and a word: "events summary|--by". */
export const caseKey = (path: readonly string[], word: string | number): string =>
  `${path.join(' ')}|${word}`;
