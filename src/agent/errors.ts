/** Agent-level failures (codes AGENT_..., src/domain/error-codes.ts): one sentence for the operator. */
import type { CodesOf } from '../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';

export type AgentErrorCode = CodesOf<'AGENT'>;

export class AgentError extends BpfwardenError {
  declare readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
