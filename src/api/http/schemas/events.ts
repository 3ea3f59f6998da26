/** Event listing, summaries and the event stream: parameters and rows. */
import { z } from 'zod';
import { EVENT_TYPES } from '../../../families/events.ts';
import { MAX_LIMIT } from '../../../store/event-query.ts';
import { SUMMARY_KEYS } from '../../../store/event-summary.ts';
import { decimalInteger } from './common.ts';

const TIME =
  'a duration meaning that long ago (90s, 5m, 2h, 1d), an ISO 8601 time, a date, Unix seconds, or "now"';

/** The CLI's `events` filters, as query parameters (same checks, same messages). */
export const EventFilterQuery = z.object({
  type: z
    .string()
    .optional()
    .describe(`event types, comma-separated: ${EVENT_TYPES.join(', ')}`),
  pid: z.string().optional().describe('process id'),
  comm: z.string().optional().describe('command name as the kernel records it (15 bytes at most)'),
  uid: z.string().optional().describe('user id'),
  path: z.string().optional().describe('path prefix (exec filename, file path)'),
  addr: z.string().optional().describe('remote IPv4 or IPv6 address'),
  port: z.string().optional().describe('port at either end, local or remote (1 to 65535)'),
  localPort: z.string().optional().describe("port at this host's end (1 to 65535)"),
  remotePort: z.string().optional().describe('remote port (1 to 65535)'),
  since: z.string().optional().describe(`only events at or after: ${TIME}`),
  until: z.string().optional().describe(`only events at or before: ${TIME}`),
});

export const EventsQuery = EventFilterQuery.extend({
  limit: z.string().optional().describe(`events per page, 1 to ${MAX_LIMIT} (default 100)`),
  cursor: z
    .string()
    .optional()
    .describe('the nextCursor of the previous page: the page of events just older than it'),
}).strict();

export const Event = z
  .looseObject({
    id: z.number().int(),
    timeUs: z.number().int().describe('wall-clock time, microseconds since the Unix epoch'),
    type: z.string().describe(`one of ${EVENT_TYPES.join(', ')}`),
    pid: z.number().int(),
    tid: z.number().int(),
    ppid: z.number().int(),
    uid: z.number().int(),
    gid: z.number().int(),
    cgroupId: z.number(),
    comm: z.string(),
  })
  .describe('an event: the common fields, then its type’s own fields')
  .meta({ id: 'Event' });

export const EventsPage = z
  .object({
    events: z.array(Event).describe('oldest first'),
    nextCursor: z.string().nullable().describe('pass as cursor for the older page; null on the last page'),
  })
  .meta({ id: 'EventsPage' });

export const SummaryQuery = EventFilterQuery.extend({
  by: z.enum(SUMMARY_KEYS).default('comm').describe('group key'),
  limit: z.string().optional().describe('groups to return (default 50)'),
}).strict();

export const SummaryRow = z
  .object({
    key: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    count: z.number().int(),
    firstUs: z.number().int(),
    lastUs: z.number().int(),
  })
  .meta({ id: 'SummaryRow' });

export const StreamEventsQuery = EventFilterQuery.omit({
  since: true,
  until: true,
  path: true,
  addr: true,
  port: true,
  localPort: true,
  remotePort: true,
})
  .extend({
    after: decimalInteger(0).optional().describe('resume after this event id (default: from now)'),
  })
  .strict();
