/**
 * A monitor that cannot start or take a setting. Its codes are the agent's
 * (AGENT_..., src/domain/error-codes.ts): to the operator it is the agent
 * that could not monitor.
 */
import type { CodesOf } from '../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';

export type MonitorErrorCode = CodesOf<'AGENT'>;

export class MonitorError extends BpfwardenError {
  declare readonly code: MonitorErrorCode;

  constructor(code: MonitorErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
