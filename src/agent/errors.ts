/** Agent-level failures: one sentence for the operator, a stable code for tools. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
