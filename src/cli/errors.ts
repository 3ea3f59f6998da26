/**
 * How the CLI reports failures: one line, no stack trace, a documented exit
 * code (README, exit codes):
 *   0 ok; 1 failure; 2 usage (a wrong option, argument or value: the command
 *   did nothing); 3 host not ready (doctor found a required check failing, or
 *   the command lacks BPF privileges or the native bridge).
 */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, NOT_READY: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

interface Coded {
  code?: unknown;
  message?: unknown;
}

/** Codes meaning the command line was wrong, wherever in the stack they were raised. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'BAD_ARGUMENT',
  'BAD_FILTER',
  'BAD_TIME',
  'bpfwarden.usage',
]);

/** Codes meaning this host (or this user) cannot do BPF yet. */
const NOT_READY_CODES: ReadonlySet<string> = new Set(['EPERM', 'NATIVE_MISSING']);

export interface DescribedError {
  readonly message: string;
  /** Carries a stable code: an anticipated failure, so no stack trace. */
  readonly expected: boolean;
  readonly exitCode: ExitCodeValue;
}

/** Errors that carry a stable code are expected failures: print the message only. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof Error) {
    const code = (err as Coded).code;
    if (typeof code !== 'string')
      return { message: err.message, expected: false, exitCode: ExitCode.FAILURE };
    if (USAGE_CODES.has(code)) return { message: err.message, expected: true, exitCode: ExitCode.USAGE };
    if (NOT_READY_CODES.has(code)) {
      const hint =
        code === 'EPERM' ? ' (root, or CAP_BPF and CAP_PERFMON, needed; see: bpfwarden doctor)' : '';
      return { message: `${err.message}${hint}`, expected: true, exitCode: ExitCode.NOT_READY };
    }
    return { message: err.message, expected: true, exitCode: ExitCode.FAILURE };
  }
  return { message: String(err), expected: false, exitCode: ExitCode.FAILURE };
}
