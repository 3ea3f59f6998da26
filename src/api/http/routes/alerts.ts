/** GET /api/v1/alerts, GET /api/v1/alerts/:id, POST /api/v1/alerts/:id/ack. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseTimeSpec, TimeSpecError } from '../../../domain/time-spec.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { Alert, AlertsQuery } from '../schemas/alerts.ts';
import { errorResponses, NumericId } from '../schemas/common.ts';

function sinceUs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseTimeSpec(v, Date.now() * 1000);
  } catch (err) {
    if (err instanceof TimeSpecError) {
      throw new HttpError('API_BAD_REQUEST', `query since: ${JSON.stringify(v)}: expected ${err.expected}`, {
        field: 'since',
      });
    }
    throw err;
  }
}

export function alertRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Newest alerts, oldest first, with their delivery state per sink',
        querystring: AlertsQuery,
        response: { 200: z.object({ alerts: z.array(Alert) }), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const since = sinceUs(q.since);
      const alerts = await deps.db.call('alerts', {
        limit: q.limit,
        ...(q.severity ? { minSeverity: q.severity } : {}),
        ...(q.rule ? { ruleId: q.rule } : {}),
        ...(since !== undefined ? { sinceUs: since } : {}),
      });
      return { alerts: alerts as z.infer<typeof Alert>[] };
    },
  );
  r.get(
    '/api/v1/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its deliveries',
        params: NumericId,
        response: { 200: Alert, ...errorResponses },
      },
    },
    async (req) => (await deps.db.call('alert', req.params.id)) as z.infer<typeof Alert>,
  );
  r.post(
    '/api/v1/alerts/:id/ack',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert (idempotent: the first acknowledgement time stays)',
        params: NumericId,
        response: { 200: Alert, ...errorResponses },
      },
    },
    async (req) => (await deps.db.call('ackAlert', req.params.id)) as z.infer<typeof Alert>,
  );
}
