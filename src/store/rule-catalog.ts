/**
 * The rule catalog from the store's own schema: every event table with its
 * columns, the `events` view, and the new_* sources rules read new events
 * through (defined here as CTEs over the id range of one run).
 */
import type { RuleCatalog } from '../domain/rules/catalog.ts';
import { COMMON_COLUMNS } from '../families/event-table.ts';
import { EVENT_TABLES } from './tables/index.ts';

const VIEW_COLUMNS = [...COMMON_COLUMNS, 'path', 'addr', 'port', 'local_port'];

function buildCatalog(): RuleCatalog {
  const tables = new Map<string, Set<string>>();
  tables.set('events', new Set(VIEW_COLUMNS));
  const newEventSources = new Map<string, string>([['new_events', 'events']]);
  for (const t of EVENT_TABLES) {
    const cols = new Set<string>(COMMON_COLUMNS);
    for (const m of t.mappings) for (const c of m.columns) cols.add(c);
    tables.set(t.name, cols);
    newEventSources.set(`new_${t.name}`, t.name);
  }
  return { tables, newEventSources };
}

export const RULE_CATALOG: RuleCatalog = buildCatalog();

/** Event types each readable table holds (for routing alerts by event type). */
export function eventTypesOf(table: string): readonly string[] {
  if (table === 'events') return EVENT_TABLES.flatMap((t) => t.types);
  return EVENT_TABLES.find((t) => t.name === table)?.types ?? [];
}

/**
 * The rule's SQL with the new_* sources it reads defined in front, each the
 * rows with :from_id < id <= :to_id. MATERIALIZED keeps the id range the
 * access path (a rowid range seek), whatever else the rule filters on.
 */
export function withNewEventSources(query: string, sources: readonly string[], hasWith: boolean): string {
  if (sources.length === 0) return query;
  const ctes = sources
    .map((s) => {
      const table = RULE_CATALOG.newEventSources.get(s);
      if (!table) throw new Error(`unknown new-event source ${s}`);
      return `${s} AS MATERIALIZED (SELECT * FROM ${table} WHERE id > :from_id AND id <= :to_id)`;
    })
    .join(',\n  ');
  if (!hasWith) return `WITH ${ctes}\n${query}`;
  // The rule's own WITH: ours go first in the same clause.
  const m = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*with\b/i.exec(query);
  if (!m) throw new Error('query does not start with WITH');
  return `WITH ${ctes},\n${query.slice(m[0].length)}`;
}
