/**
 * One error body for every failure: { error: { code, message, field? } }.
 * Validation failures name the parameter or body field; every bpfwarden
 * error keeps its code and field, its status from its kind
 * (src/domain/error-kinds.ts). Failures Node's HTTP parser or
 * Fastify's router answer before any route runs (headers too large, a
 * malformed request, a bad URL) get the same body, and JSON bodies must be
 * UTF-8, decoded strictly.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { CodesOf } from '../../domain/error-codes.ts';
import { KIND_STATUS } from '../../domain/error-kinds.ts';
import {
  type ApiErrorBody,
  apiBodyOf,
  BpfwardenError,
  type BpfwardenErrorOptions,
  errorBody,
  httpStatusOf,
} from '../../domain/errors.ts';

export { errorBody };

/** A request the API refuses (codes API_..., src/domain/error-codes.ts); the status comes from the kind. */
export class HttpError extends BpfwardenError {
  declare readonly code: CodesOf<'API'>;
  constructor(code: CodesOf<'API'>, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }

  get status(): number {
    return httpStatusOf(this);
  }
}

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
    return new HttpError('API_BAD_REQUEST', `${where}: unknown field ${field}`, { field });
  }
  const label = field ? `${where} ${field}` : where;
  return new HttpError('API_BAD_REQUEST', `${label}: ${item.message ?? err.message}`, {
    field: field || undefined,
  });
}

export type ErrorBodyShape = ApiErrorBody;

/** The body and status of a registered error, for answers given outside the error handler. */
function answer(code: CodesOf<'API'>, message: string): { status: number; body: ErrorBodyShape } {
  const e = new HttpError(code, message);
  return { status: e.status, body: apiBodyOf(e) };
}

/**
 * Errors of the HTTP parser (no request object exists yet): answered on the
 * raw socket in the uniform shape, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? answer('API_HEADERS_TOO_LARGE', 'request headers are larger than the server accepts')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? answer('API_REQUEST_TIMEOUT', 'the request (headers and body) did not arrive in time')
        : answer('API_BAD_REQUEST', `malformed HTTP request (${err.code ?? err.message})`);
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
  void reply.code(err.statusCode ?? KIND_STATUS.invalid.http).send(answer('API_BAD_REQUEST', message).body);
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
          'API_UNSUPPORTED_MEDIA_TYPE',
          `content-type: charset ${JSON.stringify(m?.[1])} is not supported; send JSON as UTF-8 (charset=utf-8 or none)`,
        ),
      );
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      done(new HttpError('API_BAD_REQUEST', 'request body: not valid UTF-8 (JSON bodies must be UTF-8)'));
      return;
    }
    parse(req, text, done);
  });
}

export function installErrorHandler(app: FastifyInstance, log: (line: string) => void = () => {}): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const route = req.routeOptions.url ?? req.url.split('?')[0];
    let e: BpfwardenError;
    if (err instanceof BpfwardenError) {
      e = err;
      // Answered with its message, but a kernel or internal failure belongs in the log too.
      if (e.kind === 'kernel' || e.kind === 'internal')
        log(`API request ${req.id} ${req.method} ${route} failed: ${e.code}: ${e.message}`);
    } else if (hasZodFastifySchemaValidationErrors(err)) e = validationError(err);
    else if (err.statusCode && err.statusCode < 500) {
      // Fastify's own client errors (bad JSON, wrong content type, body too large): its status and code.
      void reply.code(err.statusCode).send(errorBody(err.code ?? 'BAD_REQUEST', err.message));
      return;
    } else {
      // One line: the message and where it was thrown.
      const at = err.stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
      log(
        `API request ${req.id} ${req.method} ${route} failed: ${err.name}: ${err.message}${at ? ` (${at.trim()})` : ''}`,
      );
      e = new HttpError('API_INTERNAL', `internal error (see the agent log, request ${req.id})`);
    }
    void reply.code(httpStatusOf(e)).send(apiBodyOf(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = answer(
      'API_NO_ROUTE',
      `no route ${req.method} ${req.url.split('?')[0]} (see /api/v1/openapi.json)`,
    );
    void reply.code(status).send(body);
  });
}
