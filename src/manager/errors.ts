/** Program manager failures (codes MANAGER_..., src/domain/error-codes.ts). */
import type { CodesOf } from '../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';

export type ManagerErrorCode = CodesOf<'MANAGER'>;

export class ManagerError extends BpfwardenError {
  declare readonly code: ManagerErrorCode;

  constructor(code: ManagerErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
