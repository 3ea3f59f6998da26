/** Health, readiness, status and monitors. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StatusSnapshot } from '../../../domain/contracts/status.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { Health, Monitor, Status } from '../schemas/status.ts';

function current(deps: ApiDeps): StatusSnapshot {
  const s = deps.status();
  if (!s) throw new HttpError('API_STARTING', 'the agent is starting; no status yet');
  return s;
}

export function statusRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      schema: { tags: ['health'], summary: 'Liveness: the agent process answers', response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: monitors running and the store open',
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const h = deps.health();
      return reply
        .code(h.ready ? 200 : 503)
        .send({ status: h.ready ? 'ok' : 'starting', ...(h.detail ? { detail: h.detail } : {}) });
    },
  );
  r.get(
    '/api/v1/status',
    {
      schema: {
        tags: ['status'],
        summary: 'Agent status: monitors, store and retention counters',
        response: { 200: Status, ...errorResponses },
      },
    },
    async () => current(deps) as z.infer<typeof Status>,
  );
  r.get(
    '/api/v1/monitors',
    {
      schema: {
        tags: ['status'],
        summary: 'Each monitor: state, events, kernel drops, decode errors, rate, attachments',
        response: { 200: z.object({ monitors: z.array(Monitor) }), ...errorResponses },
      },
    },
    async () => ({ monitors: current(deps).monitors as z.infer<typeof Monitor>[] }),
  );
  r.get(
    '/api/v1/version',
    {
      schema: {
        tags: ['status'],
        summary: 'Agent version',
        response: { 200: z.object({ version: z.string() }) },
      },
    },
    async () => ({ version: deps.version }),
  );
}
