/** Errors of the egress and exec policy with stable codes. */
export type PolicyErrorCode =
  | 'POLICY_BAD_RULE'
  | 'POLICY_NOT_FOUND'
  | 'POLICY_CONFIG_RULE'
  | 'POLICY_LOCKED'
  | 'POLICY_PIN_MISMATCH'
  | 'POLICY_LOAD'
  | 'POLICY_NO_CGROUP2'
  | 'POLICY_TOO_MANY_RULES';

export class PolicyError extends Error {
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyError';
    this.code = code;
  }
}
