/**
 * How often the detection engine runs its rules. A pass over few new rows is
 * cheap and runs every interval (alert latency stays low); under a heavy
 * event rate a pass grows, and waiting in proportion keeps the runner's CPU
 * share bounded while each pass covers more rows for its fixed cost.
 */
export interface PaceSettings {
  /** The shortest pause between passes. */
  readonly intervalMs: number;
  /** Share of wall time (1–100) the runner may be busy. */
  readonly maxBusyPercent: number;
}

/** The pause after a pass that took passMs. */
export function nextPauseMs(passMs: number, s: PaceSettings): number {
  return Math.max(s.intervalMs, Math.ceil(passMs * (100 / s.maxBusyPercent - 1)));
}
