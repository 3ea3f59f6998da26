/**
 * The event model: what the kernel programs report, decoded and with wall
 * clock time. Pure data. One file per monitor family under ./events/; this
 * file unites them (one line per family in each list below).
 */
import {
  type ExecEvent,
  type ExitEvent,
  type ForkEvent,
  PROCESS_EVENT_TYPES,
  type ProcessEvent,
} from './events/process.ts';

export type { EventBase } from './event-base.ts';
export type { ExecEvent, ExitEvent, ForkEvent, ProcessEvent };
export { PROCESS_EVENT_TYPES };

export const EVENT_TYPES = [...PROCESS_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type BpfEvent = ProcessEvent;

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
