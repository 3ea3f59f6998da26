/**
 * `rules test --since`: a replay of the range as the engine would have run
 * it, pass by pass, each pass with its own :now_us (so a windowed rule sees
 * the window it would have seen then) and the throttle applied in replay
 * time. Pure: the store supplies the event ids at each step's end.
 */

/** Steps of at least this length; the engine's passes are about a second apart. */
export const REPLAY_STEP_US = 1_000_000;
/** A long range takes longer steps instead of more of them. */
export const MAX_REPLAY_STEPS = 5_000;

export interface ReplayPlan {
  readonly stepUs: number;
  /** End time of each step (its :now_us), ascending; the last is `untilUs`. */
  readonly ends: readonly number[];
}

export function planReplay(sinceUs: number, untilUs: number): ReplayPlan {
  const span = Math.max(0, untilUs - sinceUs);
  const stepUs = Math.max(REPLAY_STEP_US, Math.ceil(span / MAX_REPLAY_STEPS));
  const ends: number[] = [];
  for (let t = sinceUs + stepUs; t < untilUs; t += stepUs) ends.push(t);
  ends.push(untilUs);
  return { stepUs, ends };
}

/** Whether an alert with this dedupe key is held back at `nowUs` (the engine's throttle, in replay time). */
export class ReplayThrottle {
  readonly #last = new Map<string, number>();
  readonly #throttleUs: number;
  constructor(throttleUs: number) {
    this.#throttleUs = throttleUs;
  }

  /** True when the alert would be raised; records it. */
  raise(key: string, nowUs: number): boolean {
    if (this.#throttleUs > 0) {
      const prev = this.#last.get(key);
      if (prev !== undefined && nowUs - prev < this.#throttleUs) return false;
    }
    this.#last.set(key, nowUs);
    return true;
  }
}
