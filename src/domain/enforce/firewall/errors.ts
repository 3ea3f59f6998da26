/** Firewall failures (codes FIREWALL_..., src/domain/error-codes.ts); messages name the field and what was expected. */
import type { CodesOf } from '../../error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../../errors.ts';

export type FirewallErrorCode = CodesOf<'FIREWALL'>;

export class FirewallError extends BpfwardenError {
  declare readonly code: FirewallErrorCode;

  constructor(code: FirewallErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
