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

/**
 * monitors.<name>.wakeupBytes: a record wakes the agent only once this many
 * bytes wait in the ring; smaller backlogs are picked up every
 * pollIntervalMs. 0: the kernel's default (wake whenever the agent has
 * caught up: one wake-up per record or two at moderate rates). Absent: the
 * monitor's default, at most a quarter of the ring.
 */
export function wakeupBytes() {
  return z
    .number()
    .int()
    .min(0)
    .max(1 << 29)
    .optional();
}

/** monitors.<name>.pollIntervalMs: the longest a record below the wake-up threshold waits. */
export function pollIntervalMs() {
  return z.number().int().min(1).max(1000).optional();
}

/** The settings every ring-buffer monitor has: on/off, ring size and wake-up batching. */
export function ringMonitorFields(defaultRingBytes: number) {
  return {
    enabled: z.boolean().default(true),
    ringBufferBytes: ringBufferBytes(defaultRingBytes),
    wakeupBytes: wakeupBytes(),
    pollIntervalMs: pollIntervalMs(),
  };
}

/** How a monitor's ring wakes the agent; what the definitions hand to RingMonitor. */
export interface RingDelivery {
  readonly wakeupBytes?: number;
  readonly pollIntervalMs?: number;
}

interface RingConfig {
  readonly ringBufferBytes: number;
  readonly wakeupBytes?: number | undefined;
  readonly pollIntervalMs?: number | undefined;
}

/**
 * A threshold at or above half the ring would let the ring fill before any
 * wake-up: records would then wait for the timer, and a burst would overrun.
 */
export function checkWakeup(cfg: RingConfig, ctx: z.RefinementCtx): void {
  if (cfg.wakeupBytes !== undefined && cfg.wakeupBytes >= cfg.ringBufferBytes / 2) {
    ctx.addIssue({
      code: 'custom',
      path: ['wakeupBytes'],
      message: `must be less than half of ringBufferBytes (${cfg.ringBufferBytes}), got ${cfg.wakeupBytes}`,
    });
  }
}

/** The configured delivery, or the monitor's defaults (the threshold kept within a quarter of the ring). */
export function ringDelivery(cfg: RingConfig, defaults: Required<RingDelivery>): Required<RingDelivery> {
  return {
    wakeupBytes: cfg.wakeupBytes ?? Math.min(defaults.wakeupBytes, cfg.ringBufferBytes / 4),
    pollIntervalMs: cfg.pollIntervalMs ?? defaults.pollIntervalMs,
  };
}
