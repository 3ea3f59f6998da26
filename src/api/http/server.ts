/**
 * The REST API: Fastify with zod schemas as the one source of truth — the
 * same schemas validate requests, shape responses and generate the OpenAPI
 * document (/api/v1/openapi.json, Swagger UI at /docs).
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { requireBearer } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler, installJsonParser } from './errors.ts';
import { alertRoutes } from './routes/alerts.ts';
import { eventRoutes } from './routes/events.ts';
import { firewallRoutes } from './routes/firewall.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { policyRoutes } from './routes/policy.ts';
import { programRoutes } from './routes/programs.ts';
import { ruleRoutes } from './routes/rules.ts';
import { statusRoutes } from './routes/status.ts';
import { streamRoutes } from './routes/streams.ts';

export interface BuildOptions {
  /** Required bearer token (TCP listeners); undefined for the root-only Unix socket. */
  readonly token?: string;
  /** Extra route sets (program manager, enforcement) registered with the same conventions. */
  readonly extraRoutes?: readonly ((app: FastifyInstance, deps: ApiDeps) => void)[];
  readonly logger?: boolean;
  /** The agent's log: requests that fail with a 500 are logged here, one line each. */
  readonly log?: (line: string) => void;
  readonly bodyLimit?: number;
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** Cut clients that are slow to send their request (TCP: unauthenticated peers). */
  readonly timeouts?: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number };
  /** Sees every route as it is registered (tests check each one is in the OpenAPI document). */
  readonly onRoute?: (route: {
    readonly method: string | readonly string[];
    readonly url: string;
    readonly hidden: boolean;
  }) => void;
}

/** Request ids unique across this process's listeners, so a logged 500 names one request. */
let requestCount = 0;
const nextRequestId = (): string => `r${(++requestCount).toString(36)}`;

/** How often Node checks the header and request deadlines; a slow client is cut this much late at most. */
const DEADLINE_CHECK_MS = 1000;
/** An idle kept-alive connection is closed after this. */
const KEEP_ALIVE_MS = 5000;

export async function buildApi(deps: ApiDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const t = opts.timeouts;
  // Node checks these deadlines from the moment a connection opens, so an idle connection is cut too.
  const deadlines = t
    ? {
        headersTimeout: t.headersTimeoutMs,
        requestTimeout: t.requestTimeoutMs,
        connectionsCheckingInterval: DEADLINE_CHECK_MS,
      }
    : {};
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ...(t ? { requestTimeout: t.requestTimeoutMs, keepAliveTimeout: KEEP_ALIVE_MS, http: deadlines } : {}),
    routerOptions: { ignoreTrailingSlash: true },
    // A client-chosen id would make the log ambiguous.
    requestIdHeader: false,
    // Stopping the agent must not wait for clients (an idle TCP peer would hold it up to the header timeout).
    forceCloseConnections: true,
    genReqId: nextRequestId,
    clientErrorHandler,
    frameworkErrors,
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert, ...deadlines } } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, opts.log);
  installJsonParser(app);
  const onRoute = opts.onRoute;
  if (onRoute) {
    app.addHook('onRoute', (r) => onRoute({ method: r.method, url: r.url, hidden: r.schema?.hide === true }));
  }
  if (opts.token !== undefined) requireBearer(app, opts.token);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'bpfwarden API',
        description:
          'eBPF host monitoring and enforcement agent. On the Unix socket no token is needed (root-only); on TCP send `Authorization: Bearer <token>`.',
        version: deps.version,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: opts.token !== undefined ? [{ bearer: [] }] : [],
      tags: [
        { name: 'health' },
        { name: 'status' },
        { name: 'events' },
        { name: 'alerts' },
        { name: 'rules' },
        { name: 'metrics' },
        { name: 'programs' },
        { name: 'enforcement' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  statusRoutes(app, deps);
  eventRoutes(app, deps);
  streamRoutes(app, deps);
  alertRoutes(app, deps);
  ruleRoutes(app, deps);
  metricsRoutes(app, deps);
  programRoutes(app, deps.programs);
  policyRoutes(app, deps.policy);
  firewallRoutes(app, deps.firewall);
  for (const extra of opts.extraRoutes ?? []) extra(app, deps);

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
