/**
 * Which rules run on their own. A rule whose run takes longer than
 * slowRuleMs (or that overran its time bound) leaves the shared pass: every
 * rule in a pass waits for the slowest, so one slow rule would delay every
 * alert. A slow rule runs alone, paced by its own cost (the same busy share
 * as the shared pass), and rejoins the pass when its smoothed cost falls
 * below a quarter of the threshold: a rule near the line that moved back at
 * every dip would hold a whole pass (and its pacing pause) each time.
 */
import { nextPauseMs, type PaceSettings } from './pace.ts';

export interface CostSettings extends PaceSettings {
  /** A run slower than this moves the rule to its own lane. */
  readonly slowRuleMs: number;
}

interface Cost {
  ewmaMs: number;
  slow: boolean;
  /** Earliest start of the next run while slow (ms, the caller's clock). */
  nextDueMs: number;
}

/** A slow rule rejoins the pass under slowRuleMs / REJOIN_SHARE. */
const REJOIN_SHARE = 4;

/** Weight of the newest run in the smoothed cost. */
const ALPHA = 0.3;

export class RuleCosts {
  readonly #by = new Map<string, Cost>();
  readonly #s: CostSettings;

  constructor(settings: CostSettings) {
    this.#s = settings;
  }

  isSlow(id: string): boolean {
    return this.#by.get(id)?.slow === true;
  }

  /** The smoothed run time of a rule, if it has run. */
  costMs(id: string): number | undefined {
    return this.#by.get(id)?.ewmaMs;
  }

  /**
   * Records a run (successful or stopped by the time bound) that took ms and
   * ended at nowMs; returns true when the rule changed lanes.
   */
  observe(id: string, ms: number, nowMs: number, timedOut = false): boolean {
    const c = this.#by.get(id);
    const ewmaMs = c ? c.ewmaMs + ALPHA * (ms - c.ewmaMs) : ms;
    const wasSlow = c?.slow === true;
    // A rule's first run prepares its statement on a cold cache: it does not move the rule.
    const slow =
      timedOut ||
      (c !== undefined && ms > this.#s.slowRuleMs) ||
      (wasSlow && ewmaMs >= this.#s.slowRuleMs / REJOIN_SHARE);
    this.#by.set(id, { ewmaMs, slow, nextDueMs: slow ? nowMs + nextPauseMs(ms, this.#s) : nowMs });
    return slow !== wasSlow;
  }

  /** Of the given rules, the slow one due first at nowMs (the longest overdue), if any. */
  dueSlow(ids: Iterable<string>, nowMs: number): string | undefined {
    let best: string | undefined;
    let bestDue = Number.POSITIVE_INFINITY;
    for (const id of ids) {
      const c = this.#by.get(id);
      if (!c?.slow || c.nextDueMs > nowMs || c.nextDueMs >= bestDue) continue;
      best = id;
      bestDue = c.nextDueMs;
    }
    return best;
  }

  /** When the next slow rule is due (ms), or undefined when no rule is slow. */
  nextSlowDueMs(): number | undefined {
    let next: number | undefined;
    for (const c of this.#by.values())
      if (c.slow && (next === undefined || c.nextDueMs < next)) next = c.nextDueMs;
    return next;
  }

  /** Drops rules no longer enabled. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#by.keys()) if (!ids.has(id)) this.#by.delete(id);
  }
}
