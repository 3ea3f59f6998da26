/**
 * A Prometheus histogram whose distribution is kept elsewhere (a
 * LogHistogram in the store worker or the rule engine) and read at scrape
 * time, so nothing is observed twice. Bucket bounds are powers of two in the
 * source's unit, which are edges of the LogHistogram's buckets: the
 * cumulative counts are exact, not interpolated.
 */
import { Histogram, type Registry } from 'prom-client';
import { countBelow, type HistogramSnapshot } from '../../domain/histogram.ts';

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly snapshot: HistogramSnapshot;
}

export interface SnapshotHistogramConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  readonly registry: Registry;
  /** Bucket bounds in the source's unit (powers of two). */
  readonly bounds: readonly number[];
  /** Source unit to exported unit (e.g. 1e-6 for µs to seconds). */
  readonly scale?: number;
  /**
   * Whole-number values (row counts): bucket `le` is bound - 1, since a value
   * v <= bound - 1 exactly when v < bound.
   */
  readonly integer?: boolean;
  readonly read: () => Promise<readonly Series[]>;
}

type Exported = Awaited<ReturnType<Histogram<string>['get']>>;

export class SnapshotHistogram extends Histogram<string> {
  readonly #c: SnapshotHistogramConfig;

  constructor(c: SnapshotHistogramConfig) {
    const scale = c.scale ?? 1;
    super({
      name: c.name,
      help: c.help,
      labelNames: [...(c.labelNames ?? [])],
      buckets: c.bounds.map((b) => (c.integer ? b - 1 : b * scale)),
      registers: [c.registry],
    });
    this.#c = c;
  }

  override async get(): Promise<Exported> {
    const { name, bounds, integer } = this.#c;
    const scale = this.#c.scale ?? 1;
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, snapshot: s } of await this.#c.read()) {
      for (const b of bounds) {
        const le = integer ? b - 1 : b * scale;
        values.push({ labels: { ...labels, le }, value: countBelow(s, b), metricName: `${name}_bucket` });
      }
      values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...labels }, value: s.sum * scale, metricName: `${name}_sum` });
      values.push({ labels: { ...labels }, value: s.count, metricName: `${name}_count` });
    }
    return { name, help: this.#c.help, type: 'histogram', values, aggregator: 'sum' } as unknown as Exported;
  }

  /** What the registry calls for the text format. */
  getForPromString(): Promise<Exported> {
    return this.get();
  }
}

/** 2^from, 2^(from+1), ..., 2^to. */
export function powersOfTwo(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => 2 ** (from + i));
}
