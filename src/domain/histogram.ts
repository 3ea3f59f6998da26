/**
 * A log-linear histogram for latencies: each power of two is split into 16
 * sub-buckets (about 6% relative error), so recording is O(1) with no
 * allocation and percentiles need no stored samples.
 */
const SUB = 16;
const MAX_EXP = 48;

/**
 * A histogram's contents as plain data (it crosses worker threads): totals
 * and the non-empty buckets as [index, count]; bucket i holds values in
 * [bucketLower(i), bucketLower(i + 1)).
 */
export interface HistogramSnapshot {
  readonly count: number;
  /** Sum of the recorded values (each as bucketed: below 1 counts as 1). */
  readonly sum: number;
  readonly max: number;
  readonly buckets: readonly (readonly [number, number])[];
}

export function bucketLower(i: number): number {
  return 2 ** Math.floor(i / SUB) * (1 + (i % SUB) / SUB);
}

/** Recorded values below `bound`: exact when bound is a bucket edge (every power of two is). */
export function countBelow(s: HistogramSnapshot, bound: number): number {
  let n = 0;
  for (const [i, c] of s.buckets) if (bucketLower(i + 1) <= bound) n += c;
  return n;
}

export class LogHistogram {
  readonly #counts = new Float64Array(MAX_EXP * SUB);
  #total = 0;
  #max = 0;
  #sum = 0;

  record(value: number): void {
    // biome-ignore lint/complexity/useMathMinMax: Math.max(1, NaN) is NaN; this maps NaN to the first bucket too
    const v = value >= 1 ? value : 1; // negatives (clock steps) too
    this.#sum += v;
    const exp = Math.min(MAX_EXP - 1, Math.floor(Math.log2(v)));
    const base = 2 ** exp;
    const sub = Math.min(SUB - 1, Math.floor(((v - base) / base) * SUB));
    this.#counts[exp * SUB + sub]! += 1;
    this.#total++;
    if (value > this.#max) this.#max = value;
  }

  get count(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  /** The value below which a fraction q (0..1) of recordings fall (bucket upper bound, capped at max). */
  quantile(q: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        const exp = Math.floor(i / SUB);
        const sub = i % SUB;
        const upper = 2 ** exp * (1 + (sub + 1) / SUB);
        return Math.min(upper, this.#max);
      }
    }
    return this.#max;
  }

  get sum(): number {
    return this.#sum;
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.#counts.length; i++) {
      const c = this.#counts[i]!;
      if (c > 0) buckets.push([i, c]);
    }
    return { count: this.#total, sum: this.#sum, max: this.#max, buckets };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
    this.#sum = 0;
  }
}
