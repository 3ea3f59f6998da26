/**
 * A log-linear histogram for latencies: each power of two is split into 16
 * sub-buckets (about 6% relative error), so recording is O(1) with no
 * allocation and percentiles need no stored samples.
 */
const SUB = 16;
const MAX_EXP = 48;

export class LogHistogram {
  readonly #counts = new Float64Array(MAX_EXP * SUB);
  #total = 0;
  #max = 0;

  record(value: number): void {
    const v = value >= 1 ? value : 1; // also maps NaN and negatives (clock steps) to the first bucket
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

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
  }
}
