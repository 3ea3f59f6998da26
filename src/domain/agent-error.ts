/**
 * Agent-level failures (codes AGENT_..., error-codes.ts): one sentence for the
 * operator. Here in the core because the agent, its monitors (src/families)
 * and the API's start-up all raise them.
 */
import type { CodesOf } from './error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from './errors.ts';

export type AgentErrorCode = CodesOf<'AGENT'>;

export class AgentError extends BpfwardenError {
  declare readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}
