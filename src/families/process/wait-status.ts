/** Decodes a wait(2) status word as the kernel stores it in exit_code. */
export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: number | null;
  readonly coreDumped: boolean;
}

export function decodeWaitStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff, signal: null, coreDumped: false };
  return { exitCode: null, signal: sig, coreDumped: (status & 0x80) !== 0 };
}
