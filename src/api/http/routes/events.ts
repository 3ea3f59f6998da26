/** GET /api/v1/events (cursor pages), GET /api/v1/events/summary. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type EventFilterInput, parseEventFilter } from '../../../store/event-filter-input.ts';
import type { EventCursor, EventFilter } from '../../../store/event-query.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { EventsPage, EventsQuery, SummaryQuery, SummaryRow } from '../schemas/events.ts';

/** Query parameters through the CLI's own checks; a failure names the parameter. */
export function filterFromQuery(q: Omit<EventFilterInput, 'type'> & { type?: string }): EventFilter {
  let field = '';
  const { type, ...rest } = q;
  return parseEventFilter(
    { ...rest, ...(type !== undefined ? { type: [type] } : {}) },
    Date.now() * 1000,
    (msg) => {
      throw new HttpError('API_BAD_REQUEST', `query ${msg}`, { field: field || undefined });
    },
    (name) => {
      field = name;
      return name;
    },
  );
}

export function encodeCursor(c: EventCursor): string {
  return `${c.timeUs}.${c.id}`;
}

function decodeCursor(s: string): EventCursor {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(s);
  if (!m)
    throw new HttpError(
      'API_BAD_REQUEST',
      `query cursor: ${JSON.stringify(s)} is not a cursor this API gave out`,
      { field: 'cursor' },
    );
  return { timeUs: Number(m[1]), id: Number(m[2]) };
}

export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'List stored events, newest page first; each page oldest first',
        querystring: EventsQuery,
        response: { 200: EventsPage, ...errorResponses },
      },
    },
    async (req) => {
      const { cursor, ...rest } = req.query;
      const filter = filterFromQuery(rest);
      const page = await deps.db.call('events', {
        ...filter,
        ...(cursor !== undefined ? { before: decodeCursor(cursor) } : {}),
      });
      const oldest = page[0];
      const full = page.length === (filter.limit ?? 100);
      return {
        events: page as unknown as z.infer<typeof EventsPage>['events'],
        nextCursor: full && oldest ? encodeCursor({ timeUs: oldest.timeUs, id: oldest.id }) : null,
      };
    },
  );
  r.get(
    '/api/v1/events/summary',
    {
      schema: {
        tags: ['events'],
        summary: 'Count matching events grouped by command, pid, type, uid, destination or drop reason',
        querystring: SummaryQuery,
        response: { 200: z.object({ by: z.string(), groups: z.array(SummaryRow) }), ...errorResponses },
      },
    },
    async (req) => {
      const { by, ...rest } = req.query;
      const filter = filterFromQuery({ ...rest, limit: rest.limit ?? '50' });
      const groups = await deps.db.call('summary', { by, filter });
      return { by, groups: groups.map((g) => ({ ...g, key: { ...g.key } })) };
    },
  );
}
