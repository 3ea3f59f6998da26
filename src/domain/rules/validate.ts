/**
 * Rule SQL validation, before a rule is stored. Two readers look at the
 * text: a SQLite-faithful lexer (statement count, every call, parameters)
 * and a real SQL parser (node-sql-parser, sqlite dialect) for structure
 * (tables, columns, joins). Every violation names what and where.
 */
// The SQLite dialect's build alone: the package's main entry loads every
// dialect (and their source maps), about 60 MiB in each thread that loads it.
import nodeSqlParser from 'node-sql-parser/build/sqlite.js';
import { CALL_LIKE_KEYWORDS, RULE_FUNCTIONS, RULE_PARAMETERS, type RuleCatalog } from './catalog.ts';
import { checkBounds } from './query-bounds.ts';
import {
  calledNames,
  findName,
  LexError,
  type Position,
  positionAt,
  splitStatements,
  type Token,
  tokenize,
} from './sql-lexer.ts';
import { type ParserText, parserText } from './window-spec.ts';

export interface Violation {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export interface ValidatedQuery {
  /** Real tables and views read (lower case). */
  readonly tables: readonly string[];
  /** new_* sources read. */
  readonly newSources: readonly string[];
  /** Whether the query starts with its own WITH clause. */
  readonly hasWith: boolean;
}

export type ValidationResult =
  | { readonly ok: true; readonly query: ValidatedQuery }
  | { readonly ok: false; readonly violations: readonly Violation[] };

export const MAX_QUERY_CHARS = 20_000;
export const MAX_TABLE_REFERENCES = 8;

const parser = new nodeSqlParser.Parser();
const START: Position = { line: 1, column: 1 };

type Node = Record<string, unknown>;

export function formatViolation(v: Violation): string {
  return `line ${v.line}, column ${v.column}: ${v.message}`;
}

export function validateRuleQuery(sql: string, catalog: RuleCatalog): ValidationResult {
  const out: Violation[] = [];
  const fail = (message: string, at: Position | undefined = START): void => {
    if (out.some((v) => v.message === message && v.line === at.line && v.column === at.column)) return;
    out.push({ message, line: at.line, column: at.column });
  };
  const done = (): ValidationResult => ({ ok: false, violations: out });

  if (sql.length > MAX_QUERY_CHARS) {
    fail(`query is ${sql.length} characters; at most ${MAX_QUERY_CHARS}`);
    return done();
  }
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (err) {
    if (err instanceof LexError) fail(`syntax error: ${err.message}`, err.position);
    else throw err;
    return done();
  }
  if (!checkBounds(tokens, fail)) return done();
  const statements = splitStatements(tokens);
  if (statements.length === 0) {
    fail('query is empty (a rule is one SELECT statement)');
    return done();
  }
  if (statements.length > 1) {
    const second = statements[1]?.[0];
    fail(
      `found ${statements.length} statements; a rule is exactly one SELECT (the second starts with ${second?.text.toUpperCase()})`,
      second,
    );
  }
  const first = statements[0]?.[0] as Token;
  const verb = first.text.toLowerCase();
  if (first.kind !== 'word' || (verb !== 'select' && verb !== 'with')) {
    fail(`only SELECT is allowed; this is a ${first.text.toUpperCase()} statement`, first);
  }
  lexicalChecks(tokens, fail);
  if (out.length) return done();
  const forParser = parserText(sql, tokens, fail);
  if (out.length) return done();
  // Where the parser's offsets fall in the rule's own text.
  const place = (loc: { offset?: number } | undefined): Position | undefined =>
    typeof loc?.offset === 'number' ? positionAt(sql, forParser.original(loc.offset)) : undefined;

  try {
    return parseAndCheck(forParser, tokens, catalog, verb === 'with', place, fail) ?? done();
  } catch (err) {
    // The bounds keep recursion shallow; this is the net under them.
    if (!(err instanceof RangeError)) throw err;
    fail('query nests too deeply to check; split it into simpler conditions');
    return done();
  }
}

function parseAndCheck(
  forParser: ParserText,
  tokens: readonly Token[],
  catalog: RuleCatalog,
  hasWith: boolean,
  place: (loc: { offset?: number } | undefined) => Position | undefined,
  fail: (m: string, at?: Position) => void,
): ValidationResult | undefined {
  let ast: unknown;
  try {
    ast = parser.astify(forParser.text, { database: 'sqlite', parseOptions: { includeLocations: true } });
  } catch (err) {
    if (err instanceof RangeError) throw err;
    const loc = (err as { location?: { start?: { offset?: number } } }).location?.start;
    const msg = (err as Error).message.replace(/\s+/g, ' ');
    fail(`syntax error: ${msg.length > 200 ? `${msg.slice(0, 200)}…` : msg}`, place(loc) ?? START);
    return undefined;
  }
  const stmts = Array.isArray(ast) ? ast : [ast];
  if (stmts.length !== 1) {
    fail(`found ${stmts.length} statements; a rule is exactly one SELECT`);
    return undefined;
  }
  const root = stmts[0] as Node;
  if (root.type !== 'select') {
    fail(`only SELECT is allowed; this is a ${String(root.type).toUpperCase()} statement`);
    return undefined;
  }
  let failed = false;
  const query = structuralChecks(root, tokens, catalog, place, (m, at) => {
    failed = true;
    fail(m, at);
  });
  return failed ? undefined : { ok: true, query: { ...query, hasWith } };
}

function lexicalChecks(tokens: readonly Token[], fail: (m: string, at?: Position) => void): void {
  for (const t of tokens) {
    if ((t.kind === 'string' || t.kind === 'op' || t.kind === 'quoted') && t.text.includes('\\')) {
      fail(
        'backslash is not allowed (parsers disagree on it as an escape); write char(92) for a literal backslash',
        t,
      );
      return;
    }
    if (t.kind === 'word' && t.text.toLowerCase() === 'recursive') {
      fail('recursive CTEs are not allowed (WITH RECURSIVE can run without bound)', t);
    }
    if (t.kind === 'param' && !RULE_PARAMETERS.has(t.text.toLowerCase())) {
      const allowed = [...RULE_PARAMETERS].map((p) => `:${p}`).join(', ');
      fail(`parameter ${t.text.startsWith('?') ? t.text : `:${t.text}`} is not bound; use ${allowed}`, t);
    }
  }
  // Words that can never appear in a rule, whatever the parser makes of them.
  for (const t of tokens) {
    const w = t.kind === 'word' ? t.text.toLowerCase() : '';
    if (['pragma', 'attach', 'detach', 'vacuum', 'reindex', 'analyze'].includes(w)) {
      fail(`${w.toUpperCase()} is not allowed in a rule`, t);
    }
  }
}

interface Scope {
  /** alias or table name -> real table (lower case), or null for a CTE/subquery. */
  readonly sources: Map<string, string | null>;
  readonly names: Set<string>;
}

function structuralChecks(
  root: Node,
  tokens: readonly Token[],
  catalog: RuleCatalog,
  place: (loc: { offset?: number } | undefined) => Position | undefined,
  fail: (m: string, at?: Position) => void,
): Omit<ValidatedQuery, 'hasWith'> {
  const ctes = new Set<string>();
  const aliases = new Set<string>();
  const tables = new Set<string>();
  const newSources = new Set<string>();
  const scope: Scope = { sources: new Map(), names: new Set() };
  const columnRefs: { table: string | null; column: string }[] = [];
  let tableRefs = 0;
  const at = (name: string): Position | undefined => findName(tokens, name);

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (Array.isArray(n.with)) {
      for (const w of n.with as Node[]) {
        const name = nameOf(w.name);
        if (name) ctes.add(name);
        // SQLite makes a CTE that reads itself recursive, keyword or not.
        if (name && readsTable(w.stmt, name)) {
          fail(
            `CTE ${name} reads itself: recursive CTEs are not allowed (they can run without bound)`,
            at(name),
          );
        }
        if (Array.isArray(w.columns))
          for (const c of w.columns) aliases.add(String(nameOf(c) ?? c).toLowerCase());
      }
    }
    if (Array.isArray(n.columns) && n.type === 'select') {
      for (const c of n.columns as Node[]) if (typeof c.as === 'string') aliases.add(c.as.toLowerCase());
    }
    if (Array.isArray(n.from)) checkFrom(n.from as Node[]);
    if (n.type === 'column_ref') {
      const column = nameOf(n.column);
      if (column)
        columnRefs.push({ table: typeof n.table === 'string' ? n.table.toLowerCase() : null, column });
    }
    if (n.type === 'function' || n.type === 'aggr_func') {
      const fname = functionName(n);
      if (fname && !RULE_FUNCTIONS.has(fname) && !CALL_LIKE_KEYWORDS.has(fname)) {
        const loc = (n.loc as { start?: { offset?: number } } | undefined)?.start;
        fail(`function ${fname}() is not allowed`, place(loc) ?? at(fname));
      }
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') visit(v);
  };

  const checkFrom = (from: Node[]): void => {
    from.forEach((f, i) => {
      if (i > 0) {
        const join = typeof f.join === 'string' ? f.join.toUpperCase() : '';
        if (!join || join.includes('CROSS') || join.includes('NATURAL') || (!f.on && !f.using)) {
          const what = typeof f.table === 'string' ? f.table : 'a subquery';
          fail(
            `join with ${what} has no ON or USING condition (a cross join can multiply rows without bound)`,
            typeof f.table === 'string' ? at(f.table) : undefined,
          );
        }
      }
      if (typeof f.table === 'string') {
        tableRefs++;
        const table = f.table.toLowerCase();
        const alias = typeof f.as === 'string' ? f.as.toLowerCase() : table;
        if (typeof f.db === 'string' && f.db.toLowerCase() !== 'main') {
          fail(`schema ${f.db}.${f.table} is not allowed; read the main event tables only`, at(f.db));
        }
        if (ctes.has(table)) {
          scope.sources.set(alias, null);
        } else if (catalog.newEventSources.has(table)) {
          newSources.add(table);
          scope.sources.set(alias, catalog.newEventSources.get(table) ?? null);
        } else if (catalog.tables.has(table)) {
          tables.add(table);
          scope.sources.set(alias, table);
        } else {
          const known = [...catalog.tables.keys(), ...catalog.newEventSources.keys()].join(', ');
          fail(`table ${f.table} is not allowed; rules read: ${known}`, at(f.table));
        }
      } else if (f.expr && (f.expr as Node).type === 'function') {
        const fname = functionName(f.expr as Node) ?? '?';
        fail(`table-valued function ${fname}() is not allowed in FROM`, at(fname));
      } else if (typeof f.as === 'string') {
        scope.sources.set(f.as.toLowerCase(), null);
      }
    });
  };

  visit(root);

  if (tableRefs > MAX_TABLE_REFERENCES) {
    fail(`query reads ${tableRefs} tables; at most ${MAX_TABLE_REFERENCES}`);
  }
  // Every called name, as SQLite reads the text: catches calls the parser saw differently.
  for (const [name, pos] of calledNames(tokens)) {
    if (RULE_FUNCTIONS.has(name) || CALL_LIKE_KEYWORDS.has(name) || ctes.has(name)) continue;
    if (catalog.tables.has(name) || catalog.newEventSources.has(name)) continue;
    fail(`function ${name}() is not allowed`, pos);
  }
  const allColumns = new Set<string>();
  for (const cols of catalog.tables.values()) for (const c of cols) allColumns.add(c);
  for (const ref of columnRefs) {
    if (ref.column === '*') continue;
    const col = ref.column.toLowerCase();
    const real = ref.table === null ? undefined : scope.sources.get(ref.table);
    if (ref.table !== null && real === undefined && !ctes.has(ref.table)) {
      fail(`${ref.table}.${ref.column}: no table or alias named ${ref.table}`, at(ref.table));
    } else if (real) {
      if (!catalog.tables.get(real)?.has(col) && !aliases.has(col)) {
        fail(`column ${ref.column} is not a column of ${real}`, at(ref.column));
      }
    } else if (!allColumns.has(col) && !aliases.has(col)) {
      fail(`unknown column ${ref.column}`, at(ref.column));
    }
  }
  const readsNew = newSources.size > 0 || tokens.some((t) => t.kind === 'param' && t.text === 'from_id');
  if (!readsNew) {
    fail(
      `rule does not read new events: select from ${[...catalog.newEventSources.keys()][0] ?? 'new_events'} (or a new_<family>_events source), or constrain id > :from_id`,
    );
  }
  return { tables: [...tables], newSources: [...newSources] };
}

/** Whether a FROM anywhere under `node` reads the table `name`. */
function readsTable(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((n) => readsTable(n, name));
  if (!node || typeof node !== 'object') return false;
  const n = node as Node;
  if (
    Array.isArray(n.from) &&
    (n.from as Node[]).some((f) => typeof f.table === 'string' && f.table.toLowerCase() === name)
  )
    return true;
  return Object.entries(n).some(([k, v]) => k !== 'loc' && readsTable(v, name));
}

function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v.toLowerCase();
  if (v && typeof v === 'object') {
    const o = v as Node;
    if (typeof o.value === 'string') return o.value.toLowerCase();
    // A CTE's column list holds column references.
    if (o.type === 'column_ref' && typeof o.column === 'string') return o.column.toLowerCase();
    if (o.expr) return nameOf(o.expr);
  }
  return undefined;
}

function functionName(n: Node): string | undefined {
  if (typeof n.name === 'string') return n.name.toLowerCase();
  const parts = (n.name as { name?: { value?: string }[] } | undefined)?.name;
  if (Array.isArray(parts))
    return parts
      .map((p) => p.value ?? '')
      .join('.')
      .toLowerCase();
  return undefined;
}
