/**
 * How one stored event reads in a human table: local time, and a DETAILS
 * column that says what happened (the command line, the child, the exit
 * status). Pure: no I/O, same input, same text (given the time zone).
 */

import { FAMILIES } from '../../families/index.ts';
import type { StoredEvent } from '../../store/event-query.ts';

export { formatDuration } from '../../domain/format-duration.ts';

import type { Column } from './table.ts';

export const EVENT_COLUMNS: readonly Column[] = [
  { header: 'TIME' },
  { header: 'TYPE' },
  { header: 'PID', align: 'right' },
  { header: 'PPID', align: 'right' },
  { header: 'UID', align: 'right' },
  { header: 'COMM', max: 16 },
  { header: 'DETAILS', max: 160 },
];

export function eventRow(e: StoredEvent): string[] {
  return [
    formatLocalTime(e.timeUs),
    e.type,
    String(e.pid),
    String(e.ppid),
    String(e.uid),
    e.comm,
    eventDetails(e),
  ];
}

/** Each event type's DETAILS formatter, from its family. */
const DETAILS = new Map<string, (e: StoredEvent) => string>(
  FAMILIES.flatMap((f) => f.eventTypes.map((t) => [t, f.details as (e: StoredEvent) => string] as const)),
);

export function eventDetails(e: StoredEvent): string {
  return DETAILS.get(e.type)!(e);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time. */
export function formatLocalTime(timeUs: number): string {
  const d = new Date(Math.floor(timeUs / 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}
