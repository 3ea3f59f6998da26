/**
 * How the CLI reports failures: one line, no stack trace, a documented exit
 * code (README, exit codes), from the error's kind (src/domain/error-kinds.ts):
 *   0 ok; 1 failure; 2 usage (a wrong option, argument or value: the command
 *   did nothing); 3 host not ready (doctor found a required check failing, or
 *   the command lacks BPF privileges or the native bridge).
 */
import type { CodesOf } from '../domain/error-codes.ts';
import { ExitCode, type ExitCodeValue, KIND_STATUS } from '../domain/error-kinds.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';

export { ExitCode, type ExitCodeValue };

export type CliErrorCode = CodesOf<'CLI'>;

/** The command line's own failures (codes CLI_...). */
export class CliError extends BpfwardenError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}

/** A usage error: the command line was wrong (exit 2). */
export function usageError(message: string, options?: BpfwardenErrorOptions): CliError {
  return new CliError('CLI_USAGE', message, options);
}

/** For Commander's cmd.error(message, USAGE): its error carries this code and exit code. */
export const USAGE = { code: 'CLI_USAGE', exitCode: KIND_STATUS.usage.exit } as const;

export interface DescribedError {
  readonly message: string;
  /** An anticipated failure (a bpfwarden error, or one with a stable code): no stack trace. */
  readonly expected: boolean;
  readonly exitCode: ExitCodeValue;
}

const PRIVILEGE_HINT = ' (root, or CAP_BPF and CAP_PERFMON, needed; see: bpfwarden doctor)';

export function describeError(err: unknown): DescribedError {
  if (err instanceof BpfwardenError) {
    const exitCode = KIND_STATUS[err.kind].exit;
    const hint = err.kind === 'privilege' ? PRIVILEGE_HINT : '';
    return { message: `${err.message}${hint}`, expected: true, exitCode };
  }
  if (err instanceof Error) {
    // Node's own coded errors (ENOENT from fs, ...): expected, a plain failure.
    const expected = typeof (err as { code?: unknown }).code === 'string';
    return { message: err.message, expected, exitCode: ExitCode.FAILURE };
  }
  return { message: String(err), expected: false, exitCode: ExitCode.FAILURE };
}
