/**
 * Server-sent events: GET /api/v1/events/stream and /api/v1/alerts/stream.
 * Each message is `id: <row id>`, `event: event|alert`, `data: <JSON>`;
 * a client resumes with Last-Event-ID (or ?after=). Committed rows only:
 * the stream tails the store, so what it shows is what queries return.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FeedError } from '../../feed/index.ts';
import type { ApiDeps, LiveFeed } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { StreamAlertsQuery } from '../schemas/alerts.ts';
import { errorResponses } from '../schemas/common.ts';
import { StreamEventsQuery } from '../schemas/events.ts';
import { filterFromQuery } from './events.ts';

const HEARTBEAT_MS = 15_000;

/** A feed's BAD_FILTER is the client's error; anything else (no database yet) is ours. */
function feedError(err: unknown): unknown {
  if (err instanceof FeedError) {
    return err.code === 'BAD_FILTER'
      ? new HttpError(400, 'BAD_REQUEST', `query ${err.message}`, err.field)
      : new HttpError(503, err.code, err.message);
  }
  return err;
}

const SseBody = z
  .string()
  .describe('text/event-stream: `id`, `event` and `data` (one JSON object) per message');

function resumeFrom(req: FastifyRequest, after: number | undefined): number | undefined {
  const h = req.headers['last-event-id'];
  if (typeof h === 'string' && /^\d+$/.test(h)) return Number(h);
  return after;
}

function stream<Row extends { readonly id: number }, F>(
  req: FastifyRequest,
  reply: FastifyReply,
  feed: LiveFeed<Row, F>,
  filter: F,
  kind: 'event' | 'alert',
  after: number | undefined,
): void {
  // Subscribe first: a bad filter is still a 400, before the stream starts.
  let closed = false;
  let beat: NodeJS.Timeout | undefined;
  const res = reply.raw;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    sub();
    res.end();
  };
  const sub = feed.subscribe(
    filter,
    {
      deliver: (rows) => {
        let out = '';
        for (const row of rows) out += `id: ${row.id}\nevent: ${kind}\ndata: ${JSON.stringify(row)}\n\n`;
        // false: the client is slow; the feed holds rows (bounded) until the socket drains.
        return res.write(out);
      },
      end: (reason) => {
        if (closed) return;
        res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
        close();
      },
    },
    after,
  );
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': stream open\n\n');
  res.on('drain', () => sub.resume());
  beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  req.raw.on('close', close);
}

export function streamRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const feeds = (): NonNullable<ApiDeps['feeds']> => {
    if (!deps.feeds)
      throw new HttpError(503, 'STREAMS_UNAVAILABLE', 'live streams are not running in this agent');
    return deps.feeds;
  };
  r.get(
    '/api/v1/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: new committed events matching the filter',
        querystring: StreamEventsQuery,
        response: { 200: SseBody, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { after, ...q } = req.query;
      const f = filterFromQuery(q);
      try {
        stream(
          req,
          reply,
          feeds().events,
          {
            ...(f.types ? { types: f.types } : {}),
            ...(f.pid !== undefined ? { pid: f.pid } : {}),
            ...(f.comm !== undefined ? { comm: f.comm } : {}),
            ...(f.uid !== undefined ? { uid: f.uid } : {}),
          },
          'event',
          resumeFrom(req, after),
        );
      } catch (err) {
        throw feedError(err);
      }
    },
  );
  r.get(
    '/api/v1/alerts/stream',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Server-sent events: new alerts at or above a severity, or of one rule',
        querystring: StreamAlertsQuery,
        response: { 200: SseBody, ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      try {
        stream(
          req,
          reply,
          feeds().alerts,
          { ...(q.severity ? { minSeverity: q.severity } : {}), ...(q.rule ? { ruleId: q.rule } : {}) },
          'alert',
          resumeFrom(req, q.after),
        );
      } catch (err) {
        throw feedError(err);
      }
    },
  );
}
