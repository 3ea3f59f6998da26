/**
 * What the egress and exec components share: load and pin on first apply,
 * compile the desired rules against the host (cgroup ids, binaries, the
 * clock) and sync the kernel tables under the component's lock; with
 * `scheduleWindows` (the agent), apply again at each time-window edge.
 * A window is thus enforced by the kernel once set, and the agent flips
 * it; without an agent the state of the last flip stays.
 */

import type { RuleProblem } from '../../domain/enforce/policy/compiled.ts';
import type { PathResolvers, PolicyRule } from '../../domain/enforce/policy/rule.ts';
import {
  type LocalClock,
  nextWindowEdge,
  systemLocalClock,
} from '../../domain/enforce/policy/time-window.ts';
import type { NativeBridge } from '../../ebpf/index.ts';
import type { EnforcementComponent } from '../component.ts';
import { DEFAULT_EVENTS_PER_SECOND_PER_RULE } from '../policy-config.ts';
import type { PinnedPolicyObject } from './pinned-object.ts';
import { hostResolvers } from './resolvers.ts';
import type { SyncResult } from './rule-tables.ts';

export interface PolicyComponentOptions<R extends PolicyRule> {
  readonly bridge: NativeBridge;
  readonly pinRoot: string;
  /** The desired rules, read at every apply (e.g. from the database). */
  readonly rules: () => readonly R[];
  /** Decision records per second per rule (kernel rate limit); 0: no limit. */
  readonly eventsPerSecondPerRule?: number;
  /** Apply again at every time-window edge (the agent does; one-shot CLI runs do not). */
  readonly scheduleWindows?: boolean;
  readonly log?: (line: string) => void;
  readonly resolve?: PathResolvers;
  readonly clock?: LocalClock;
  readonly now?: () => number;
  /** Object file; default build/bpf/<object>.bpf.o. */
  readonly objectPath?: string;
}

export interface ApplyReport extends SyncResult {
  /** Loaded and pinned by this apply (they were not in the kernel). */
  readonly loaded: boolean;
  readonly problems: readonly RuleProblem[];
  /** When the next time-window edge is, if any (ms since the epoch). */
  readonly nextEdgeMs: number | undefined;
}

/** Extra time after an edge, so the local clock reads the new minute when we look. */
const EDGE_SLACK_MS = 50;

export abstract class PolicyComponent<R extends PolicyRule> implements EnforcementComponent {
  abstract readonly name: string;
  protected readonly opts: PolicyComponentOptions<R>;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: PolicyComponentOptions<R>) {
    this.opts = opts;
  }

  protected abstract readonly pinned: PinnedPolicyObject;

  /** Compiles and writes the rules (inside the lock, with the maps open). */
  protected abstract sync(
    rules: readonly R[],
    ctx: { resolve: PathResolvers; clock: LocalClock; nowMs: number },
  ): { result: SyncResult; problems: readonly RuleProblem[] };

  get loaded(): boolean {
    return this.pinned.loaded;
  }

  /** Loads (when there are rules and nothing is pinned yet) and makes the kernel tables match the rules. */
  apply(): ApplyReport {
    return this.#apply(true);
  }

  /**
   * With `load` false (a time-window edge) a policy that is not in the
   * kernel stays out: someone unloaded it on purpose, and the next start or
   * `policy apply` loads it again.
   */
  #apply(load: boolean): ApplyReport {
    const rules = this.opts.rules();
    const clock = this.opts.clock ?? systemLocalClock;
    const nowMs = (this.opts.now ?? Date.now)();
    // Nothing to enforce (no programs on every connect or exec for nothing), or not ours to load.
    const stayOut = (): boolean => (rules.length === 0 || !load) && !this.pinned.loaded;
    const out: ApplyReport = {
      mode: 'unchanged',
      buffer: 0,
      rules: 0,
      active: 0,
      loaded: false,
      problems: [],
      nextEdgeMs: undefined,
    };
    if (stayOut()) return out;
    const report = this.pinned.locked(() => {
      if (stayOut()) return undefined; // unloaded meanwhile
      const loaded = this.pinned.ensureLoaded();
      const { result, problems } = this.sync(rules, {
        resolve: this.opts.resolve ?? hostResolvers,
        clock,
        nowMs,
      });
      return { ...result, loaded, problems };
    });
    if (!report) return out;
    const nextEdgeMs = nextWindowEdge(
      rules.map((r) => r.windows),
      nowMs,
      clock,
    );
    this.#schedule(nextEdgeMs, nowMs);
    return { ...report, nextEdgeMs };
  }

  #schedule(edge: number | undefined, nowMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.opts.scheduleWindows || edge === undefined || this.#closed) return;
    this.#timer = setTimeout(
      () => {
        try {
          const r = this.#apply(false);
          this.opts.log?.(`${this.name} policy: time window edge: ${r.active} of ${r.rules} rules active`);
        } catch (err) {
          this.opts.log?.(`${this.name} policy: time window edge: ${(err as Error).message}`);
        }
      },
      Math.max(0, edge - nowMs + EDGE_SLACK_MS),
    );
    this.#timer.unref();
  }

  close(opts: { readonly unload: boolean }): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (opts.unload) this.pinned.locked(() => this.pinned.unload());
    else this.pinned.close();
  }

  protected settingsRate(): number {
    return this.opts.eventsPerSecondPerRule ?? DEFAULT_EVENTS_PER_SECOND_PER_RULE;
  }
}
