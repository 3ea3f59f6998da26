/**
 * What a rule may read and call. The tables and their columns come from the
 * store (passed in); the functions are a fixed whitelist of deterministic,
 * side-effect-free SQLite functions. Everything else is refused, both when a
 * rule is validated and by the authorizer when it runs.
 */

export interface RuleCatalog {
  /** Readable table or view -> its columns (lower case). */
  readonly tables: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Names a rule reads new events through: `new_events`, `new_process_events`, ...
   * -> the table they are cut from. The engine defines them as CTEs over the id range.
   */
  readonly newEventSources: ReadonlyMap<string, string>;
}

export const RULE_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  'count',
  'min',
  'max',
  'sum',
  'total',
  'avg',
  'group_concat',
  'json_group_array',
  'json_group_object',
  // window functions (over the rows a rule already reads)
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
  // scalar
  'abs',
  'round',
  'lower',
  'upper',
  'substr',
  'substring',
  'instr',
  'length',
  'trim',
  'ltrim',
  'rtrim',
  'replace',
  'like',
  'glob',
  'coalesce',
  'ifnull',
  'iif',
  'nullif',
  'hex',
  'char',
  'unicode',
  'printf',
  'format',
  'typeof',
  'cast',
  // json (scalar only: table-valued json_each/json_tree are not allowed)
  'json',
  'json_extract',
  'json_array',
  'json_array_length',
  'json_object',
  'json_type',
  'json_valid',
  'json_quote',
  // time
  'date',
  'time',
  'datetime',
  'julianday',
  'unixepoch',
  'strftime',
]);

/** Parameters the engine binds for every run. */
export const RULE_PARAMETERS: ReadonlySet<string> = new Set(['from_id', 'to_id', 'now_us']);

/** SQL words that may precede '(' without being a function call. */
export const CALL_LIKE_KEYWORDS: ReadonlySet<string> = new Set([
  'all',
  'and',
  'as',
  'between',
  'by',
  'case',
  'else',
  'escape',
  'except',
  'exists',
  'filter',
  'from',
  'glob',
  'having',
  'in',
  'intersect',
  'is',
  'join',
  'like',
  'limit',
  'materialized',
  'not',
  'offset',
  'on',
  'or',
  'over',
  'select',
  'then',
  'union',
  'using',
  'values',
  'when',
  'where',
  'with',
  'distinct',
  'partition',
]);
