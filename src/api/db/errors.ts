/** Errors of API database operations (codes API_..., src/domain/error-codes.ts); their kind gives the HTTP status. */
import { BpfwardenError, type BpfwardenErrorOptions } from '../../domain/errors.ts';

export type ApiDbErrorCode =
  | 'API_RULE_NOT_FOUND'
  | 'API_RULE_EXISTS'
  | 'API_RULE_INVALID'
  | 'API_ALERT_NOT_FOUND'
  | 'API_BAD_FILTER'
  | 'API_DB_UNAVAILABLE'
  | 'API_DB_QUERY'
  | 'API_TIMEOUT';

export class ApiDbError extends BpfwardenError {
  declare readonly code: ApiDbErrorCode;
  constructor(code: ApiDbErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}

/** Codes of other areas that mean something to an API client; any other failure is a query failure. */
const FROM_STORE: Readonly<Record<string, ApiDbErrorCode>> = {
  STORE_BAD_FILTER: 'API_BAD_FILTER',
  DETECTION_RULE_INVALID: 'API_RULE_INVALID',
};

/** Any thrown value as an ApiDbError. */
export function asApiDbError(err: unknown): ApiDbError {
  if (err instanceof ApiDbError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof BpfwardenError ? FROM_STORE[err.code] : undefined;
  return new ApiDbError(code ?? 'API_DB_QUERY', message, {
    field: err instanceof BpfwardenError ? err.field : undefined,
  });
}
