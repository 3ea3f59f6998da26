/**
 * From a rule's result rows to alert drafts. Conventions for result columns:
 * `event_ids` (a JSON array or comma-separated list, e.g. group_concat(id)),
 * else `event_id`, else `id`, name the triggering events; `type` the event
 * type (else the stored types of those events, else the types of the tables
 * the rule reads); `title`, when present,
 * overrides the rule's title template. The whole row becomes the details.
 */
import type { AlertDraft, Rule } from './rule.ts';

export type ResultRow = Record<string, unknown>;

/** `{column}` -> the row's value; unknown columns render as `?`. */
export function renderTemplate(template: string, row: ResultRow): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = row[name] ?? row[name.toLowerCase()];
    return v === undefined || v === null ? '?' : String(v);
  });
}

/** A dedupe expression is a template; a bare column name means `{name}`. */
export function dedupeTemplate(expr: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) ? `{${expr}}` : expr;
}

export function eventIdsOf(row: ResultRow): number[] {
  const raw = row.event_ids ?? row.event_id ?? row.id;
  const nums = (xs: unknown[]): number[] =>
    xs.map((x) => Number(x)).filter((x) => Number.isSafeInteger(x) && x > 0);
  if (typeof raw === 'number' || typeof raw === 'bigint') return nums([raw]);
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(s);
        return Array.isArray(parsed) ? nums(parsed) : [];
      } catch {
        return [];
      }
    }
    return nums(s.split(','));
  }
  return [];
}

/** Columns the store keeps as JSON text (process argv, DNS answers): details hold the value itself. */
const JSON_COLUMNS = new Set(['argv', 'answers']);

function jsonColumn(v: string): unknown {
  if (!v.startsWith('[')) return v;
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : v;
  } catch {
    return v;
  }
}

/** JSON-safe copy of a row (bigint as number when exact, else string). */
export function plainRow(row: ResultRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'string' && JSON_COLUMNS.has(k)) out[k] = jsonColumn(v);
    else if (typeof v === 'bigint') out[k] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else if (v instanceof Uint8Array) out[k] = Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
    else out[k] = v;
  }
  return out;
}

export function draftAlert(
  rule: Rule,
  row: ResultRow,
  nowUs: number,
  tableTypes: readonly string[],
  /** The stored types of the triggering events, when the row has no `type` column. */
  typesOfEvents?: (ids: readonly number[]) => readonly string[],
): AlertDraft {
  const details = plainRow(row);
  const eventIds = eventIdsOf(details);
  const type = details.type;
  const title =
    typeof details.title === 'string' && details.title ? details.title : renderTemplate(rule.title, details);
  const dedupeKey = rule.dedupe
    ? renderTemplate(dedupeTemplate(rule.dedupe), details)
    : eventIds.length
      ? eventIds.join(',')
      : JSON.stringify(details);
  return {
    timeUs: nowUs,
    ruleId: rule.id,
    severity: rule.severity,
    title: title.slice(0, 500),
    details,
    eventIds,
    eventTypes: typeof type === 'string' ? [type] : triggeringTypes(eventIds, tableTypes, typesOfEvents),
    dedupeKey: dedupeKey.slice(0, 1000),
    tags: rule.tags,
  };
}

function triggeringTypes(
  ids: readonly number[],
  tableTypes: readonly string[],
  typesOfEvents: ((ids: readonly number[]) => readonly string[]) | undefined,
): string[] {
  const found = ids.length && typesOfEvents ? [...new Set(typesOfEvents(ids))] : [];
  return found.length ? found : [...tableTypes];
}
