/**
 * One error body for every failure: { error: { code, message, field? } }.
 * Validation failures name the parameter or body field; store errors keep
 * their stable code and map to a status. Failures Node's HTTP parser or
 * Fastify's router answer before any route runs (headers too large, a
 * malformed request, a bad URL) get the same body, and JSON bodies must be
 * UTF-8, decoded strictly.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

export interface ErrorBodyShape {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

export function errorBody(code: string, message: string, field?: string): ErrorBodyShape {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

/**
 * Errors of the HTTP parser (no request object exists yet): answered on the
 * raw socket in the uniform shape, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body: ErrorBodyShape;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = errorBody('HEADERS_TOO_LARGE', 'request headers are larger than the server accepts');
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = errorBody('REQUEST_TIMEOUT', 'the request (headers and body) did not arrive in time');
  } else {
    body = errorBody('BAD_REQUEST', `malformed HTTP request (${err.code ?? err.message})`);
  }
  const text = JSON.stringify(body);
  // Only when nothing of a response went out yet, as Node itself does.
  if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

/** Router errors before a route is chosen (a URL that does not decode), in the uniform shape. */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const path = req.raw.url?.split('?')[0] ?? '';
  const message =
    err.code === 'FST_ERR_BAD_URL'
      ? `URL ${JSON.stringify(path)} is not valid: bad percent-encoding`
      : err.message;
  void reply.code(err.statusCode ?? 400).send(errorBody('BAD_REQUEST', message));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies: UTF-8 only (charset absent, utf-8 or utf8), decoded strictly,
 * then Fastify's own JSON parser (prototype poisoning refused).
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(req.headers['content-type'] ?? '');
    const charset = m?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(
        new HttpError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `content-type: charset ${JSON.stringify(m?.[1])} is not supported; send JSON as UTF-8 (charset=utf-8 or none)`,
        ),
      );
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      done(new HttpError(400, 'BAD_REQUEST', 'request body: not valid UTF-8 (JSON bodies must be UTF-8)'));
      return;
    }
    parse(req, text, done);
  });
}

export function installErrorHandler(app: FastifyInstance, log: (line: string) => void = () => {}): void {
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
      const route = req.routeOptions.url ?? req.url.split('?')[0];
      // One line: the message and where it was thrown.
      const at = err.stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
      log(
        `API request ${req.id} ${req.method} ${route} failed: ${err.name}: ${err.message}${at ? ` (${at.trim()})` : ''}`,
      );
      e = new HttpError(500, 'INTERNAL', `internal error (see the agent log, request ${req.id})`);
    }
    void reply.code(e.status).send(errorBody(e.code, e.message, e.field));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(
        errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]} (see /api/v1/openapi.json)`),
      );
  });
}
