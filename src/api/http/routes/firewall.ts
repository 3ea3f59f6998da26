/**
 * The XDP firewall over HTTP: rules (list, add, remove) and stats. Bodies are
 * validated by the same code as `bpfwarden firewall add`; changes are
 * recorded in the change log and written to the kernel atomically when the
 * firewall is loaded.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FirewallApi } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses, NumericId } from '../schemas/common.ts';

const FirewallRule = z
  .looseObject({
    id: z.number().int(),
    priority: z.number().int(),
    action: z.string().describe('pass | drop | log'),
    source: z.string().optional().describe('cli, config or api'),
    packets: z.number().optional(),
    bytes: z.number().optional(),
  })
  .meta({ id: 'FirewallRule' });

const FirewallRuleBody = z
  .record(z.string(), z.unknown())
  .describe(
    'id (default: the next free), priority, action pass|drop|log, protocol any|tcp|udp|icmp|icmpv6, src and dst (IPv4/IPv6 CIDR), sport and dport ("80" or "8000-8080"), comment',
  )
  .meta({ id: 'FirewallRuleBody' });

export function firewallRoutes(app: FastifyInstance, firewall: FirewallApi | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const fw = (): FirewallApi => {
    if (!firewall)
      throw new HttpError('API_FIREWALL_UNAVAILABLE', 'the firewall is not available in this agent');
    return firewall;
  };
  r.get(
    '/api/v1/firewall/rules',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Firewall rules in evaluation order',
        response: { 200: z.object({ rules: z.array(FirewallRule) }), ...errorResponses },
      },
    },
    async () => ({ rules: fw().rules() as z.infer<typeof FirewallRule>[] }),
  );
  r.post(
    '/api/v1/firewall/rules',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Add a firewall rule: validated, recorded, applied atomically',
        body: FirewallRuleBody,
        response: { 201: FirewallRule, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(fw().add(req.body) as z.infer<typeof FirewallRule>),
  );
  r.delete(
    '/api/v1/firewall/rules/:id',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Remove a firewall rule (rules from the configuration file are refused)',
        params: NumericId,
        response: { 204: z.null().describe('removed'), ...errorResponses },
      },
    },
    async (req, reply) => {
      fw().remove(req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/v1/firewall/stats',
    {
      schema: {
        tags: ['enforcement'],
        summary: 'Interfaces, global counters, and packets and bytes per rule',
        response: {
          200: z
            .looseObject({ loaded: z.boolean(), rules: z.array(FirewallRule) })
            .meta({ id: 'FirewallStats' }),
          ...errorResponses,
        },
      },
    },
    async () => fw().stats() as { loaded: boolean; rules: z.infer<typeof FirewallRule>[] },
  );
}
