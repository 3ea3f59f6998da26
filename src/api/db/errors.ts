/** Errors of API database operations, with codes the HTTP layer maps to statuses. */
export type ApiDbErrorCode =
  | 'RULE_NOT_FOUND'
  | 'RULE_EXISTS'
  | 'RULE_INVALID'
  | 'ALERT_NOT_FOUND'
  | 'BAD_FILTER'
  | 'DB_UNAVAILABLE'
  | 'DB_QUERY'
  | 'TIMEOUT';

export class ApiDbError extends Error {
  readonly code: ApiDbErrorCode;
  constructor(code: ApiDbErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const CODES = new Set<string>([
  'RULE_NOT_FOUND',
  'RULE_EXISTS',
  'RULE_INVALID',
  'ALERT_NOT_FOUND',
  'BAD_FILTER',
  'DB_UNAVAILABLE',
  'DB_QUERY',
  'TIMEOUT',
]);

/** Any thrown value as an ApiDbError (store errors keep their code when it is one of ours). */
export function asApiDbError(err: unknown): ApiDbError {
  if (err instanceof ApiDbError) return err;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiDbError(
    typeof code === 'string' && CODES.has(code) ? (code as ApiDbErrorCode) : 'DB_QUERY',
    message,
  );
}
