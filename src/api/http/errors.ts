/**
 * One error body for every failure: { error: { code, message, field? } }.
 * Validation failures name the parameter or body field; store errors keep
 * their stable code and map to a status.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ApiDbErrorCode } from '../db/errors.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const STATUS_OF: Record<ApiDbErrorCode, number> = {
  RULE_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  RULE_EXISTS: 409,
  RULE_INVALID: 400,
  BAD_FILTER: 400,
  DB_UNAVAILABLE: 503,
  DB_QUERY: 500,
  TIMEOUT: 503,
};

interface ValidationItem {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: { readonly keys?: readonly string[] };
}

function validationError(err: FastifyError): HttpError {
  const item = (err.validation?.[0] ?? {}) as ValidationItem;
  const where = err.validationContext ?? 'request';
  let field = (item.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const keys = item.params?.keys;
  if (item.keyword === 'unrecognized_keys' && keys?.length) {
    field = [field, keys[0]].filter(Boolean).join('.');
    return new HttpError(400, 'BAD_REQUEST', `${where}: unknown field ${field}`, field);
  }
  const label = field ? `${where} ${field}` : where;
  return new HttpError(400, 'BAD_REQUEST', `${label}: ${item.message ?? err.message}`, field || undefined);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (hasZodFastifySchemaValidationErrors(err)) e = validationError(err);
    else if (typeof err.code === 'string' && err.code in STATUS_OF) {
      e = new HttpError(STATUS_OF[err.code as ApiDbErrorCode], err.code, err.message);
    } else if (err.statusCode && err.statusCode < 500) {
      // Fastify's own client errors: bad JSON, wrong content type, body too large.
      e = new HttpError(err.statusCode, err.code ?? 'BAD_REQUEST', err.message);
    } else {
      req.log.error({ err }, 'request failed');
      e = new HttpError(500, 'INTERNAL', 'internal error (see the agent log)');
    }
    void reply
      .code(e.status)
      .send({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      error: {
        code: 'NOT_FOUND',
        message: `no route ${req.method} ${req.url.split('?')[0]} (see /api/v1/openapi.json)`,
      },
    });
  });
}
