/** Configuration pieces shared by monitor definitions. */
import { z } from 'zod';

/** Ring buffer size: a power of two between 4 KiB and 1 GiB. */
export function ringBufferBytes(defaultBytes: number) {
  return z
    .number()
    .int()
    .min(4096)
    .max(1 << 30)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two (e.g. 8388608 for 8 MiB)')
    .default(defaultBytes);
}

/** monitors.<name>.attach: program name -> "tracepoint:CATEGORY/NAME" | "raw_tracepoint:NAME". */
export function attachOverrides() {
  return z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'keys are program names'),
      z
        .string()
        .regex(
          /^(tracepoint:[A-Za-z0-9_]+\/[A-Za-z0-9_]+|raw_tracepoint:[A-Za-z0-9_]+)$/,
          'must be "tracepoint:CATEGORY/NAME" or "raw_tracepoint:NAME"',
        ),
    )
    .optional();
}
