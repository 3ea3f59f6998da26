/**
 * Server-sent events: GET /api/v1/events/stream and /api/v1/alerts/stream.
 * Each message is `id: <row id>`, `event: event|alert`, `data: <JSON>`;
 * a client resumes with Last-Event-ID (or ?after=). Committed rows only:
 * the stream tails the store, so what it shows is what queries return.
 * A subscriber that does not read is cut (its connection closed) once its
 * socket holds STREAM_BUFFER_BYTES or has not drained for
 * STREAM_DRAIN_TIMEOUT_MS; over api.maxStreams a new one gets a 503.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StoredEvent } from '../../../store/event-query.ts';
import type { AlertRow } from '../../feed/index.ts';
import { END_LAGGED, FeedError, type FeedSubscription } from '../../feed/index.ts';
import {
  type CutReason,
  STREAM_BUFFER_BYTES,
  STREAM_DRAIN_TIMEOUT_MS,
  StreamSlots,
  WriteGuard,
} from '../../streams/index.ts';
import type { ApiDeps, LiveFeed } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { StreamAlertsQuery } from '../schemas/alerts.ts';
import { errorResponses } from '../schemas/common.ts';
import { StreamEventsQuery } from '../schemas/events.ts';
import { SseEncoder } from '../sse-frames.ts';
import { filterFromQuery } from './events.ts';

const HEARTBEAT_MS = 15_000;

/** A feed's bad filter is a bad query parameter; anything else (no database yet) keeps its code (503). */
function feedError(err: unknown): unknown {
  if (err instanceof FeedError && err.code === 'FEED_BAD_FILTER') {
    return new HttpError('API_BAD_REQUEST', `query ${err.message}`, { field: err.field, cause: err });
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

const PING = Buffer.from(': ping\n\n');

/** One SSE response: bounded in what it holds (WriteGuard) and in how many are open (StreamSlots). */
function stream<Row extends { readonly id: number }, F>(
  req: FastifyRequest,
  reply: FastifyReply,
  feed: LiveFeed<Row, F>,
  filter: F,
  encoder: SseEncoder<Row>,
  after: number | undefined,
  slots: StreamSlots,
): void {
  const release = slots.acquire();
  if (!release) {
    throw new HttpError(
      'API_TOO_MANY_STREAMS',
      `${slots.max} live streams are open (api.maxStreams, SSE and gRPC together); try again later`,
    );
  }
  let closed = false;
  let beat: NodeJS.Timeout | undefined;
  let sub: FeedSubscription | undefined;
  const res = reply.raw;
  /** 'end' finishes the response (what is queued still goes out, within the drain timeout); 'destroy' drops the connection. */
  const close = (how: 'end' | 'destroy'): void => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    guard.dispose();
    sub?.();
    release();
    if (how === 'destroy') {
      res.destroy();
      return;
    }
    res.end();
    const late = setTimeout(() => res.destroy(), STREAM_DRAIN_TIMEOUT_MS).unref();
    const done = (): void => clearTimeout(late);
    res.once('finish', done).once('close', done);
  };
  const cut = (reason: CutReason): void => {
    slots.cut(reason);
    close('destroy');
  };
  const guard = new WriteGuard(res, {
    maxQueued: STREAM_BUFFER_BYTES,
    drainTimeoutMs: STREAM_DRAIN_TIMEOUT_MS,
    onCut: cut,
  });
  const send = (chunk: Buffer | string): boolean =>
    !closed && guard.admit(Buffer.byteLength(chunk)) && guard.wrote(res.write(chunk));
  // Subscribe first: a bad filter is still a 400, before the stream starts.
  try {
    sub = feed.subscribe(
      filter,
      {
        // false: the client is slow; the feed holds rows (bounded) until the socket drains.
        deliver: (rows) => send(encoder.batch(rows)),
        end: (reason) => {
          if (closed) return;
          if (reason === END_LAGGED) {
            slots.cut('lagged');
            // Still holding bytes: a final notice would wait behind them, so the connection goes.
            if (res.writableLength > 0) {
              close('destroy');
              return;
            }
          }
          res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
          close('end');
        },
      },
      after,
    );
  } catch (err) {
    guard.dispose();
    release();
    throw err;
  }
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  send(': stream open\n\n');
  res.on('drain', () => sub?.resume());
  beat = setInterval(() => send(PING), HEARTBEAT_MS);
  req.raw.on('close', () => close('end'));
}

export function streamRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const slots = deps.streams ?? new StreamSlots();
  const eventFrames = new SseEncoder<StoredEvent>('event');
  const alertFrames = new SseEncoder<AlertRow>('alert');
  const feeds = (): NonNullable<ApiDeps['feeds']> => {
    if (!deps.feeds)
      throw new HttpError('API_STREAMS_UNAVAILABLE', 'live streams are not running in this agent');
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
          eventFrames,
          resumeFrom(req, after),
          slots,
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
          alertFrames,
          resumeFrom(req, q.after),
          slots,
        );
      } catch (err) {
        throw feedError(err);
      }
    },
  );
}
