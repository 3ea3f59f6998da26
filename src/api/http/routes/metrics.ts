/** GET /metrics: Prometheus exposition of the agent's counters. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses } from '../schemas/common.ts';

export function metricsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: z.string(), ...errorResponses },
      },
    },
    async (_req, reply) => {
      if (!deps.metrics)
        throw new HttpError('API_METRICS_UNAVAILABLE', 'metrics are not enabled in this agent');
      const body = await deps.metrics.render();
      return reply.type(deps.metrics.contentType).send(body);
    },
  );
}
