/**
 * One configuration problem: where it came from (file and position, an
 * environment variable, a flag), which key, and what was wrong. Every
 * message the configuration layer produces is one of these, on one line.
 */

export type KeyPath = readonly (string | number)[];

/** Where a value was set. */
export type Origin =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number; readonly column?: number }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'flag'; readonly flag: string }
  /** A plain label, for objects validated on their own (parseConfig's `source`). */
  | { readonly kind: 'label'; readonly label: string };

export interface ConfigProblem {
  readonly origin: Origin;
  /** The key the problem is about; empty for a whole source (a syntax error, an unreadable file). */
  readonly path: KeyPath;
  /** What was wrong and what was expected, without the source or key. */
  readonly message: string;
  /** The key itself is not a setting; `message` then holds only the hint (did you mean ...?). */
  readonly unknownKey?: boolean;
}

export function originLabel(o: Origin): string {
  switch (o.kind) {
    case 'default':
      return 'default';
    case 'file':
      return o.line === undefined ? o.path : `${o.path}:${o.line}:${o.column ?? 1}`;
    case 'env':
      return `env ${o.variable}`;
    case 'flag':
      return `flag ${o.flag}`;
    case 'label':
      return o.label;
  }
}

export function keyLabel(path: KeyPath): string {
  return path.join('.');
}

/**
 * `SOURCE: KEY: MESSAGE`, `SOURCE: unknown key KEY; HINT`, or `SOURCE: MESSAGE`
 * for a problem with the source as a whole.
 */
export function formatProblem(p: ConfigProblem): string {
  const where = originLabel(p.origin);
  if (p.unknownKey) return `${where}: unknown key ${keyLabel(p.path)}${p.message ? `; ${p.message}` : ''}`;
  return p.path.length ? `${where}: ${keyLabel(p.path)}: ${p.message}` : `${where}: ${p.message}`;
}
