/** Summaries of repeated measurements: median, percentiles, spread. */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Measurements that had a value. */
  readonly n: number;
}

/** Linear-interpolated percentile (p in [0, 100]) of the finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const clamped = Math.min(100, Math.max(0, p));
  const rank = (clamped / 100) * (xs.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Median and min–max of the measurements that have a value (null, undefined
 * and NaN are skipped); null when none has.
 */
export function summarize(values: readonly (number | null | undefined)[]): Summary | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Percentage of expected that did not arrive (never negative: extra rows are not negative loss). */
export function lossPercent(expected: number, got: number): number | null {
  if (!(expected > 0)) return null;
  return (Math.max(0, expected - got) / expected) * 100;
}

/**
 * Loss seen by a consumer that cannot tell the workload's records from the
 * rest of the host's: the larger of what the kernel says it dropped and what
 * is missing against the expected count (a lower bound, since other
 * processes' records fill in for missing ones).
 */
export function unfilteredLossPercent(expected: number, records: number, drops: number): number | null {
  const byDrops = lossPercent(records + drops, records);
  const byCount = lossPercent(expected, records);
  if (byDrops === null) return byCount;
  if (byCount === null) return byDrops;
  return Math.max(byDrops, byCount);
}
