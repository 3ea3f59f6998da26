/**
 * Delivers the outbox: due deliveries go to their sinks, at most
 * `concurrency` at a time per sink; a failure is retried with exponential
 * backoff and jitter until `maxAttempts`, then marked failed. A circuit
 * breaker per sink stops attempts while the sink keeps failing (deliveries
 * wait, uncounted) and lets one trial through after the cooldown.
 */
import { backoffMs } from '../../domain/rules/backoff.ts';
import { CircuitBreaker } from '../../domain/rules/circuit-breaker.ts';
import type { Sink } from '../../sinks/sink.ts';
import type { DueDelivery, Outbox } from '../../store/outbox.ts';

export interface SinkPolicy {
  readonly retry: { readonly baseMs: number; readonly maxMs: number; readonly maxAttempts: number };
  readonly breaker: { readonly threshold: number; readonly cooldownMs: number };
  readonly concurrency: number;
}

export interface DispatcherStats {
  delivered: number;
  retries: number;
  failed: number;
}

const POLL_MS = 1000;
const BATCH = 500;

export class Dispatcher {
  readonly #outbox: Outbox;
  readonly #sinks: ReadonlyMap<string, { sink: Sink; policy: SinkPolicy; breaker: CircuitBreaker }>;
  readonly #log: (line: string) => void;
  readonly #inFlight = new Set<string>();
  readonly #perSink = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #stopped = true;
  readonly stats: DispatcherStats = { delivered: 0, retries: 0, failed: 0 };
  /** Called after each delivery outcome (for tests and latency probes). */
  onDelivered: ((d: DueDelivery) => void) | undefined;

  constructor(outbox: Outbox, sinks: { sink: Sink; policy: SinkPolicy }[], log: (line: string) => void) {
    this.#outbox = outbox;
    this.#log = log;
    this.#sinks = new Map(
      sinks.map((s) => [s.sink.name, { ...s, breaker: new CircuitBreaker(s.policy.breaker) }]),
    );
  }

  breakerState(sink: string): string | undefined {
    return this.#sinks.get(sink)?.breaker.state(Date.now());
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    for (const s of this.#sinks.values()) s.sink.close?.();
  }

  /** Look at the outbox soon (new alerts, or a delivery finished). */
  kick(): void {
    if (this.#stopped || this.#immediate) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#stopped) return;
    const nowMs = Date.now();
    let due: DueDelivery[] = [];
    try {
      due = this.#outbox.due(nowMs * 1000, BATCH);
    } catch (err) {
      this.#log(`alert outbox: cannot read due deliveries: ${(err as Error).message}`);
    }
    for (const d of due) {
      const key = `${d.alertId}\0${d.sink}`;
      if (this.#inFlight.has(key)) continue;
      const entry = this.#sinks.get(d.sink);
      try {
        if (!entry) {
          this.#outbox.fail(d, `sink ${d.sink} is not configured`);
          this.stats.failed++;
          continue;
        }
        if ((this.#perSink.get(d.sink) ?? 0) >= entry.policy.concurrency) continue;
        if (!entry.breaker.allow(nowMs)) {
          const at = Math.max(entry.breaker.reopensAt(), nowMs + 50);
          this.#outbox.defer(d, at * 1000, 'circuit breaker open: waiting for the sink to recover');
          continue;
        }
        const alert = this.#outbox.alert(d.alertId);
        if (!alert) {
          this.#outbox.fail(d, 'alert no longer exists');
          continue;
        }
        this.#inFlight.add(key);
        this.#perSink.set(d.sink, (this.#perSink.get(d.sink) ?? 0) + 1);
        entry.sink.deliver(alert).then(
          () => this.#settle(d, key, entry, undefined),
          (err: unknown) => this.#settle(d, key, entry, err instanceof Error ? err.message : String(err)),
        );
      } catch (err) {
        this.#log(`alert outbox: ${(err as Error).message}`);
      }
    }
    this.#schedule();
  }

  #settle(
    d: DueDelivery,
    key: string,
    entry: { sink: Sink; policy: SinkPolicy; breaker: CircuitBreaker },
    error: string | undefined,
  ): void {
    this.#inFlight.delete(key);
    this.#perSink.set(d.sink, (this.#perSink.get(d.sink) ?? 1) - 1);
    if (this.#stopped) return;
    const nowMs = Date.now();
    try {
      if (error === undefined) {
        entry.breaker.success();
        this.#outbox.delivered(d, nowMs * 1000);
        this.stats.delivered++;
        this.onDelivered?.(d);
      } else {
        const wasOpen = entry.breaker.state(nowMs) === 'open';
        entry.breaker.failure(nowMs);
        if (!wasOpen && entry.breaker.state(nowMs) === 'open') {
          this.#log(`alert sink ${d.sink}: circuit open after failures (last: ${error})`);
        }
        const attempts = d.attempts + 1;
        if (attempts >= entry.policy.retry.maxAttempts) {
          this.#outbox.fail(d, `${error} (gave up after ${attempts} attempts)`);
          this.stats.failed++;
          this.#log(`alert ${d.alertId} to ${d.sink}: failed after ${attempts} attempts: ${error}`);
        } else {
          this.#outbox.retry(d, (nowMs + backoffMs(attempts, entry.policy.retry)) * 1000, error);
          this.stats.retries++;
        }
      }
    } catch (err) {
      this.#log(
        `alert outbox: cannot record delivery of ${d.alertId} to ${d.sink}: ${(err as Error).message}`,
      );
    }
    this.kick();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    let wait = POLL_MS;
    try {
      const next = this.#outbox.nextDueUs();
      if (next !== undefined)
        wait = Math.max(this.#inFlight.size ? 50 : 5, Math.min(POLL_MS, Math.ceil(next / 1000 - Date.now())));
    } catch {
      // poll again later
    }
    this.#timer = setTimeout(() => this.#pump(), wait);
    this.#timer.unref?.();
  }
}
