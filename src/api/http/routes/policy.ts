/**
 * Egress and exec policy over HTTP: list, add, remove. Bodies are checked by
 * the same code as `bpfwarden policy add` (schema, then the host: the cgroup
 * or binary must exist), recorded with a change-log row, then applied to the
 * kernel through the pins.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PolicyApi } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses, NumericId } from '../schemas/common.ts';

const Kind = z.enum(['egress', 'exec']);

const PolicyRule = z
  .object({
    id: z.number().int(),
    kind: Kind,
    source: z
      .enum(['cli', 'config', 'api'])
      .describe('who added the rule: the CLI, the configuration file (changed there), or this API'),
    body: z
      .record(z.string(), z.unknown())
      .describe('the rule as written (action, cidr, ports, path, cgroup, uid...)'),
    createdUs: z.number().int(),
    updatedUs: z.number().int(),
  })
  .meta({ id: 'PolicyRule' });

const RuleBody = z
  .record(z.string(), z.unknown())
  .describe(
    'egress: action deny|allow|audit, cidr, ports ("443" or "8000-8080"), protocol tcp|udp|any, cgroup, uid, priority, windows, comment; ' +
      'exec: action kill|audit, path, binary or sha256 (64 hex digits: any file with that content), cgroup, uid, priority, windows, comment',
  )
  .meta({ id: 'PolicyRuleBody' });

export function policyRoutes(app: FastifyInstance, policy: PolicyApi | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const p = (): PolicyApi => {
    if (!policy)
      throw new HttpError('API_POLICY_UNAVAILABLE', 'policy management is not available in this agent');
    return policy;
  };
  r.get(
    '/api/v1/policy/rules',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Egress and exec policy rules',
        querystring: z.object({ kind: Kind.optional().describe('only this kind') }).strict(),
        response: { 200: z.object({ rules: z.array(PolicyRule) }), ...errorResponses },
      },
    },
    async (req) => ({ rules: p().list(req.query.kind) as z.infer<typeof PolicyRule>[] }),
  );
  r.post(
    '/api/v1/policy/rules/:kind',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Add a rule: validated, recorded, applied in the kernel',
        params: z.object({ kind: Kind }),
        body: RuleBody,
        response: {
          201: z.object({ id: z.number().int(), kind: Kind, body: z.record(z.string(), z.unknown()) }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.code(201).send(p().add(req.params.kind, req.body)),
  );
  r.delete(
    '/api/v1/policy/rules/:id',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Remove a rule (rules from the configuration file are refused)',
        params: NumericId,
        response: { 204: z.null().describe('removed'), ...errorResponses },
      },
    },
    async (req, reply) => {
      p().remove(req.params.id);
      return reply.code(204).send(null);
    },
  );
}
