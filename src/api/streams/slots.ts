/**
 * Live streams open at once (SSE and gRPC together, one budget for the
 * agent), and how many the server refused or cut and why. Each stream may
 * hold up to its buffer bound, so the cap bounds their memory together.
 */

/** Why the server ended a stream: the feed's queue for it overflowed, its socket held too many bytes, or it did not drain in time. */
export const CUT_REASONS = ['lagged', 'buffer', 'stalled'] as const;
export type CutReason = (typeof CUT_REASONS)[number];

export const DEFAULT_MAX_STREAMS = 256;

export interface StreamStats {
  readonly open: number;
  readonly max: number;
  /** Streams refused because max were open. */
  readonly rejected: number;
  readonly cuts: Readonly<Record<CutReason, number>>;
}

export class StreamSlots {
  readonly max: number;
  #open = 0;
  #rejected = 0;
  readonly #cuts: Record<CutReason, number> = { lagged: 0, buffer: 0, stalled: 0 };

  constructor(max = DEFAULT_MAX_STREAMS) {
    this.max = max;
  }

  /** A slot (call the result once to give it back), or undefined when max are open. */
  acquire(): (() => void) | undefined {
    if (this.#open >= this.max) {
      this.#rejected++;
      return undefined;
    }
    this.#open++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#open--;
    };
  }

  cut(reason: CutReason): void {
    this.#cuts[reason]++;
  }

  stats(): StreamStats {
    return { open: this.#open, max: this.max, rejected: this.#rejected, cuts: { ...this.#cuts } };
  }
}
