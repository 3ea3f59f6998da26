/** Program manager failures, with stable codes the CLI and API map to messages and statuses. */
export type ManagerErrorCode =
  | 'NOT_ALLOWED'
  | 'BAD_OBJECT'
  | 'NOT_FOUND'
  | 'BAD_ARGUMENT'
  | 'ATTACH_FAILED'
  | 'LOAD_FAILED';

export class ManagerError extends Error {
  readonly code: ManagerErrorCode;

  constructor(code: ManagerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManagerError';
    this.code = code;
  }
}
