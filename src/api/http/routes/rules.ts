/** Rules CRUD: the same validation as rule files (schema, then the SQL validator). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { errorResponses, RuleIdParam } from '../schemas/common.ts';
import { Rule, RuleBody, RuleChange } from '../schemas/rules.ts';

type RuleOut = z.infer<typeof Rule>;

export function ruleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/rules',
    {
      schema: {
        tags: ['rules'],
        summary: 'Every rule with its run state',
        response: { 200: z.object({ rules: z.array(Rule) }), ...errorResponses },
      },
    },
    async () => ({ rules: (await deps.db.call('rules', null)) as RuleOut[] }),
  );
  r.get(
    '/api/v1/rules/:id',
    {
      schema: {
        tags: ['rules'],
        summary: 'One rule with its run state',
        params: RuleIdParam,
        response: { 200: Rule, ...errorResponses },
      },
    },
    async (req) => (await deps.db.call('rule', req.params.id)) as RuleOut,
  );
  r.post(
    '/api/v1/rules',
    {
      schema: {
        tags: ['rules'],
        summary: 'Add a rule (409 when its id exists); the running engine picks it up within a second',
        body: RuleBody,
        response: { 201: RuleChange, 409: errorResponses[400], ...errorResponses },
      },
    },
    async (req, reply) => {
      const res = await deps.db.call('putRule', { definition: req.body, mustNotExist: true });
      return reply.code(201).send(res as z.infer<typeof RuleChange>);
    },
  );
  r.put(
    '/api/v1/rules/:id',
    {
      schema: {
        tags: ['rules'],
        summary: 'Add or replace the rule with this id',
        params: RuleIdParam,
        body: RuleBody,
        response: { 200: RuleChange, ...errorResponses },
      },
    },
    async (req) =>
      (await deps.db.call('putRule', { definition: req.body, id: req.params.id })) as z.infer<
        typeof RuleChange
      >,
  );
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    r.post(
      `/api/v1/rules/:id/${verb}`,
      {
        schema: {
          tags: ['rules'],
          summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a rule`,
          params: RuleIdParam,
          response: { 200: Rule, ...errorResponses },
        },
      },
      async (req) => (await deps.db.call('setRuleEnabled', { id: req.params.id, enabled })) as RuleOut,
    );
  }
  r.delete(
    '/api/v1/rules/:id',
    {
      schema: {
        tags: ['rules'],
        summary: 'Remove a rule; its alerts stay',
        params: RuleIdParam,
        response: { 204: z.null().describe('removed'), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deps.db.call('removeRule', req.params.id);
      return reply.code(204).send(null);
    },
  );
}
