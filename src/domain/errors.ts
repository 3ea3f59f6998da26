/**
 * The base of every error bpfwarden raises on purpose: a stable `code`
 * (src/domain/error-codes.ts), a `kind` that decides the HTTP status, gRPC
 * status and exit code (src/domain/error-kinds.ts), the input `field` that
 * was wrong when one was, and the `cause`. Anything else thrown is a bug,
 * reported as internal.
 */
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';
import { type ErrorKind, KIND_STATUS } from './error-kinds.ts';

export interface BpfwardenErrorOptions {
  /** The input field, option or path that was wrong ("dstPort", "--since", "body.cgroup"). */
  readonly field?: string | undefined;
  readonly cause?: unknown;
}

export class BpfwardenError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field: string | undefined;

  /**
   * Area classes narrow `code` to their registered codes; the kind comes
   * from the registry unless given (codes outside it: errno names, a remote
   * agent's code).
   */
  constructor(
    code: string,
    message: string,
    options?: BpfwardenErrorOptions & { readonly kind?: ErrorKind },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = options?.kind ?? defOf(code)?.kind ?? 'internal';
    this.field = options?.field;
  }
}

function defOf(
  code: string,
): { readonly kind: ErrorKind; readonly api?: string; readonly http?: number } | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
}

/** The code the REST API shows for an error (its legacy code when it has one). */
export function apiCodeOf(err: BpfwardenError): string {
  return defOf(err.code)?.api ?? err.code;
}

/** The HTTP status of an error: its kind's, unless HTTP fixes it (415, 431, 408). */
export function httpStatusOf(err: BpfwardenError): number {
  return defOf(err.code)?.http ?? KIND_STATUS[err.kind].http;
}

/** The kind behind a code the REST API showed (for the CLI's client); undefined when none has it. */
export function kindOfApiCode(apiCode: string): ErrorKind | undefined {
  for (const [code, def] of Object.entries(ERROR_CODES) as [ErrorCode, (typeof ERROR_CODES)[ErrorCode]][]) {
    if (('api' in def ? def.api : code) === apiCode) return def.kind;
  }
  return undefined;
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

/** The REST API's error body: { error: { code, message, field? } }. */
export function errorBody(code: string, message: string, field?: string): ApiErrorBody {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

export function apiBodyOf(err: BpfwardenError): ApiErrorBody {
  return errorBody(apiCodeOf(err), err.message, err.field);
}
