/**
 * A circuit breaker per sink: after `threshold` consecutive failures it opens
 * and refuses attempts for `cooldownMs`; then one trial is let through
 * (half-open): success closes it, failure opens it again.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly threshold: number;
  readonly cooldownMs: number;
}

export class CircuitBreaker {
  readonly #opts: BreakerOptions;
  #failures = 0;
  #openedAt = 0;
  #state: BreakerState = 'closed';
  #trialInFlight = false;
  /** Times it opened (for status and tests). */
  opened = 0;

  constructor(opts: BreakerOptions) {
    this.#opts = opts;
  }

  state(nowMs: number): BreakerState {
    if (this.#state === 'open' && nowMs - this.#openedAt >= this.#opts.cooldownMs) this.#state = 'half-open';
    return this.#state;
  }

  /** Whether an attempt may start now; in half-open only one at a time. */
  allow(nowMs: number): boolean {
    const s = this.state(nowMs);
    if (s === 'closed') return true;
    if (s === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return true;
    }
    return false;
  }

  /** When an open breaker lets a trial through. */
  reopensAt(): number {
    return this.#openedAt + this.#opts.cooldownMs;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#state = 'closed';
  }

  failure(nowMs: number): void {
    this.#failures++;
    const wasTrial = this.#trialInFlight;
    this.#trialInFlight = false;
    if (wasTrial || this.#state === 'half-open' || this.#failures >= this.#opts.threshold) {
      if (this.#state !== 'open') this.opened++;
      this.#state = 'open';
      this.#openedAt = nowMs;
    }
  }
}
