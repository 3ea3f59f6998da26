/** How the CLI reports failures: one line, no stack trace, a documented exit code. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, NOT_READY: 3 } as const;

interface Coded {
  code?: unknown;
  message?: unknown;
}

/** Errors that carry a stable code are expected failures: print the message only. */
export function describeError(err: unknown): { message: string; expected: boolean } {
  if (err instanceof Error) {
    const code = (err as Coded).code;
    return { message: err.message, expected: typeof code === 'string' };
  }
  return { message: String(err), expected: false };
}
