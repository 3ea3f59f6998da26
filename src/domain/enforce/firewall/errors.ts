/** Firewall failures with stable codes; messages name the field and what was expected. */
export type FirewallErrorCode =
  | 'BAD_RULE'
  | 'DUPLICATE_ID'
  | 'RULE_NOT_FOUND'
  | 'FROM_CONFIG'
  | 'RULES_DO_NOT_FIT'
  | 'BAD_SETTING'
  | 'BAD_ARGUMENT'
  | 'NO_INTERFACE'
  | 'ATTACH_FAILED'
  | 'NOT_LOADED'
  | 'LOAD_FAILED'
  | 'PIN_MISMATCH'
  | 'PINS_WOULD_VANISH';

export class FirewallError extends Error {
  override readonly name = 'FirewallError';
  readonly code: FirewallErrorCode;

  constructor(code: FirewallErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
