/**
 * The program manager over HTTP: managed programs and links as the store and
 * the kernel see them now, and reconcile (with a dry run that only plans).
 * Loading and attaching stay on the CLI, which checks object paths against
 * the allowed directories on the host where the file is.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProgramsApi } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { errorResponses, NumericId } from '../schemas/common.ts';

const Link = z
  .looseObject({
    id: z.number().int(),
    programId: z.number().int(),
    spec: z.looseObject({ kind: z.string() }),
    kernelId: z.number().int().nullable().optional(),
    pin: z.string().nullable().optional(),
  })
  .meta({ id: 'ManagedLink' });

const Program = z
  .looseObject({
    id: z.number().int(),
    objectId: z.number().int(),
    name: z.string(),
    typeName: z.string(),
    kernelId: z.number().int(),
    tag: z.string(),
    pin: z.string(),
    object: z.looseObject({ id: z.number().int(), name: z.string(), path: z.string(), sha256: z.string() }),
    links: z.array(Link),
    kernel: z
      .looseObject({})
      .nullable()
      .describe('what the kernel reports now; null when the program is not loaded'),
  })
  .meta({ id: 'ManagedProgram' });

const ReconcileResult = z
  .object({
    dryRun: z.boolean(),
    actions: z.array(
      z.looseObject({
        type: z.string(),
        description: z.string(),
        ok: z.boolean().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'ReconcileResult' });

export function programRoutes(app: FastifyInstance, programs: ProgramsApi | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pm = (): ProgramsApi => {
    if (!programs)
      throw new HttpError('API_MANAGER_UNAVAILABLE', 'the program manager is not available in this agent');
    return programs;
  };
  r.get(
    '/api/v1/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'Managed BPF programs with their links and kernel state',
        response: { 200: z.object({ programs: z.array(Program) }), ...errorResponses },
      },
    },
    async () => ({ programs: pm().list() as z.infer<typeof Program>[] }),
  );
  r.get(
    '/api/v1/programs/:id',
    {
      schema: {
        tags: ['programs'],
        summary: 'One managed program',
        params: NumericId,
        response: { 200: Program, ...errorResponses },
      },
    },
    async (req) => pm().get(req.params.id) as z.infer<typeof Program>,
  );
  r.get(
    '/api/v1/links',
    {
      schema: {
        tags: ['programs'],
        summary: 'Managed links (attachments)',
        response: { 200: z.object({ links: z.array(Link) }), ...errorResponses },
      },
    },
    async () => ({ links: pm().links() as z.infer<typeof Link>[] }),
  );
  r.post(
    '/api/v1/reconcile',
    {
      schema: {
        tags: ['programs'],
        summary: 'Compare managed programs with the kernel and bpffs and repair the drift',
        querystring: z
          .object({ dryRun: z.enum(['true', 'false']).default('false').describe('plan only') })
          .strict(),
        response: { 200: ReconcileResult, ...errorResponses },
      },
    },
    async (req) => {
      const dryRun = req.query.dryRun === 'true';
      return { dryRun, actions: pm().reconcile(dryRun) };
    },
  );
}
