/** Every event table, one line per monitor family. */
import type { EventType } from '../../domain/events.ts';
import { DNS_TABLE } from '../../families/dns/table.ts';
import { DROP_TABLE } from '../../families/drop/table.ts';
import { FILE_TABLE } from '../../families/file/table.ts';
import { NET_TABLE } from '../../families/net/table.ts';
import { POLICY_TABLE } from '../../families/policy/table.ts';
import { PROCESS_TABLE } from '../../families/process/table.ts';
import type { EventTable, TypeMapping } from './event-table.ts';

export const EVENT_TABLES: readonly EventTable[] = [
  PROCESS_TABLE,
  DROP_TABLE,
  DNS_TABLE,
  FILE_TABLE,
  NET_TABLE,
  POLICY_TABLE,
];

export function tableFor(type: EventType): { table: EventTable; mapping: TypeMapping } | undefined {
  for (const table of EVENT_TABLES) {
    const m = table.mappings.find((x) => x.type === type);
    if (m) return { table, mapping: m };
  }
  return undefined;
}
