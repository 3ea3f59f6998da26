/**
 * The event model: what the kernel programs report, decoded and with wall
 * clock time. Pure data. Each family's events are in its folder
 * (src/families/<name>/events.ts); the union of them is derived here from
 * the family list.
 */
import type { FamilyEvent } from './family.ts';
import { FAMILIES } from './index.ts';

export type { EventBase } from '../domain/event-base.ts';

/** Any decoded event, of any family. */
export type BpfEvent = FamilyEvent<(typeof FAMILIES)[number]>;
export type EventType = BpfEvent['type'];

export const EVENT_TYPES: readonly EventType[] = FAMILIES.flatMap((f) => f.eventTypes);

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
