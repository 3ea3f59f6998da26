/** Errors of the egress and exec policy (codes POLICY_..., src/domain/error-codes.ts). */
import type { CodesOf } from '../../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../../domain/errors.ts';

export type PolicyErrorCode = CodesOf<'POLICY'>;

export class PolicyError extends BpfwardenError {
  declare readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
