/** A monitor that cannot start or take a setting: one sentence for the operator, a stable code for tools. */
export class MonitorError extends Error {
  override readonly name = 'MonitorError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
