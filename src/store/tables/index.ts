/** Every event table: one per family (src/families/). */

import type { EventTable, TypeMapping } from '../../families/event-table.ts';
import type { EventType } from '../../families/events.ts';
import { FAMILIES } from '../../families/index.ts';

export const EVENT_TABLES: readonly EventTable[] = FAMILIES.map((f) => f.table);

export function tableFor(type: EventType): { table: EventTable; mapping: TypeMapping } | undefined {
  for (const table of EVENT_TABLES) {
    const m = table.mappings.find((x) => x.type === type);
    if (m) return { table, mapping: m };
  }
  return undefined;
}
