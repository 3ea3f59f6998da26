/**
 * The Prometheus registry: every bpfwarden figure is read from the source at
 * scrape time (collect callbacks over one reading per scrape), so counters
 * are the agent's own cumulative values, never re-added; plus prom-client's
 * process and Node.js metrics (memory, CPU, event-loop lag).
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { EVENT_TABLES } from '../../store/tables/index.ts';
import { CUT_REASONS } from '../streams/slots.ts';
import { powersOfTwo, type Series, SnapshotHistogram } from './snapshot-histogram.ts';
import type { MetricsReading, MetricsSource } from './source.ts';

export interface Metrics {
  readonly registry: Registry;
  /** Content-Type of render()'s text. */
  readonly contentType: string;
  /** The exposition text for GET /metrics. */
  render(): Promise<string>;
}

type Labels = Record<string, string>;
type Values = (r: MetricsReading) => Iterable<readonly [Labels, number]>;

/** The monitor an event type comes from: its table's family (process_events: process). */
export function familyOf(type: string): string {
  const t = EVENT_TABLES.find((x) => (x.types as readonly string[]).includes(type));
  return t ? t.name.replace(/_events$/, '') : 'unknown';
}

export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const readErrors = new Counter({
    name: 'bpfwarden_metrics_read_errors_total',
    help: 'Scrapes where part of the figures (e.g. the database) could not be read, by part',
    labelNames: ['part'],
    registers: [registry],
    async collect() {
      // The reading counts its own failures when it settles: wait for it.
      await read().catch(() => undefined);
    },
  });

  // One reading per scrape: every collect callback of one registry.metrics() call starts
  // in the same tick and shares it.
  let pending: Promise<MetricsReading> | undefined;
  const read = (): Promise<MetricsReading> => {
    if (!pending) {
      const p = Promise.resolve().then(() => source.read());
      pending = p;
      setImmediate(() => {
        if (pending === p) pending = undefined;
      });
      void p.then(
        (r) => {
          for (const part of r.errors ?? []) readErrors.inc({ part });
        },
        () => readErrors.inc({ part: 'source' }),
      );
    }
    return pending;
  };

  const counter = (name: string, help: string, labelNames: string[], values: Values): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const r = await read();
        this.reset();
        // An unlabelled metric resets to 0; a figure the source does not have is left out instead.
        if (labelNames.length === 0) this.remove({});
        for (const [labels, v] of values(r)) if (Number.isFinite(v) && v >= 0) this.inc(labels, v);
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], values: Values): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const r = await read();
        this.reset();
        if (labelNames.length === 0) this.remove({});
        for (const [labels, v] of values(r)) if (Number.isFinite(v)) this.set(labels, v);
      },
    });
  };
  const perMonitor =
    (f: (m: MetricsReading['monitors'][number]) => number | undefined): Values =>
    (r) =>
      r.monitors.flatMap((m) => {
        const v = f(m);
        return v === undefined ? [] : [[{ monitor: m.name }, v] as const];
      });
  const one =
    (f: (r: MetricsReading) => number | undefined): Values =>
    (r) => {
      const v = f(r);
      return v === undefined ? [] : [[{}, v] as const];
    };

  // Monitors and the kernel side.
  gauge(
    'bpfwarden_monitor_up',
    'Whether the monitor is running (1) or stopped/failed (0)',
    ['monitor'],
    perMonitor((m) => (m.state === 'running' ? 1 : 0)),
  );
  counter(
    'bpfwarden_monitor_events_total',
    'Records received from the kernel and decoded, by monitor',
    ['monitor'],
    perMonitor((m) => m.events),
  );
  counter(
    'bpfwarden_kernel_reserve_failures_total',
    'Records the kernel could not reserve in the ring buffer (lost in the kernel), by monitor',
    ['monitor'],
    perMonitor((m) => m.kernelDrops),
  );
  counter(
    'bpfwarden_ring_overruns_total',
    'Records lost because a ring buffer was full, all monitors (a BPF ring buffer overrun is a failed reserve)',
    [],
    one((r) => r.monitors.reduce((a, m) => a + m.kernelDrops, 0)),
  );
  counter(
    'bpfwarden_decode_errors_total',
    'Records that arrived but could not be decoded, by monitor',
    ['monitor'],
    perMonitor((m) => m.decodeErrors),
  );
  counter(
    'bpfwarden_missed_runs_total',
    'Program runs the kernel skipped (another BPF program was active on the CPU), by monitor',
    ['monitor'],
    perMonitor((m) => m.missedRuns),
  );
  counter(
    'bpfwarden_ring_handler_errors_total',
    'Ring buffer batches delivered but not handled (the handler threw), by monitor',
    ['monitor'],
    perMonitor((m) => m.handlerErrors),
  );
  counter(
    'bpfwarden_ring_wakeups_total',
    'Ring buffer consumer wake-ups, by monitor',
    ['monitor'],
    perMonitor((m) => m.wakeups),
  );

  // Store.
  counter(
    'bpfwarden_events_total',
    'Events committed to the store, by monitor and event type',
    ['monitor', 'type'],
    (r) =>
      Object.entries(r.store?.rowsByType ?? {}).map(
        ([type, n]) => [{ monitor: familyOf(type), type }, n] as const,
      ),
  );
  counter(
    'bpfwarden_store_rows_total',
    'Events committed to the store',
    [],
    one((r) => r.store?.stored),
  );
  gauge(
    'bpfwarden_store_queued',
    'Events waiting to be written',
    [],
    one((r) => r.store?.queued),
  );
  counter(
    'bpfwarden_userspace_dropped_total',
    'Events lost in userspace: the store queue was full or the store worker fell behind',
    [],
    one((r) => r.store?.queueDropped),
  );
  counter(
    'bpfwarden_store_unwritten_total',
    'Events never written: still queued when the agent stopped, or the database was found damaged',
    [],
    one((r) => r.store?.unwritten),
  );
  counter(
    'bpfwarden_store_write_failures_total',
    'Store transactions that failed and were rolled back (their events stay queued and are retried)',
    [],
    one((r) => r.store?.writeFailures),
  );
  counter(
    'bpfwarden_store_rows_rejected_total',
    'Events SQLite refused one by one (invalid values), skipped',
    [],
    one((r) => r.store?.rowsRejected),
  );
  counter(
    'bpfwarden_retention_deleted_total',
    'Events deleted by retention, by reason (age or size)',
    ['reason'],
    (r) =>
      r.store?.retention
        ? [
            [{ reason: 'age' }, r.store.retention.deletedByAge],
            [{ reason: 'size' }, r.store.retention.deletedBySize],
          ]
        : [],
  );
  counter(
    'bpfwarden_retention_failures_total',
    'Retention passes that failed',
    [],
    one((r) => r.store?.retention?.failures),
  );
  const storeHistogram = (
    name: string,
    help: string,
    key: 'latencyUs' | 'batchRows' | 'commitUs',
    bounds: number[],
    unit: { scale?: number; integer?: boolean },
  ): void => {
    new SnapshotHistogram({
      name,
      help,
      registry,
      bounds,
      ...unit,
      read: async (): Promise<Series[]> => {
        const s = (await read()).store?.histograms?.[key];
        return s ? [{ labels: {}, snapshot: s }] : [];
      },
    });
  };
  storeHistogram(
    'bpfwarden_store_batch_rows',
    'Rows per committed store transaction',
    'batchRows',
    powersOfTwo(1, 15),
    { integer: true },
  );
  storeHistogram(
    'bpfwarden_store_commit_seconds',
    'Duration of each committed store transaction',
    'commitUs',
    powersOfTwo(4, 25),
    { scale: 1e-6 },
  );
  storeHistogram(
    'bpfwarden_store_latency_seconds',
    'Kernel timestamp to committed row, per event',
    'latencyUs',
    powersOfTwo(8, 27),
    { scale: 1e-6 },
  );

  // Detection and delivery.
  counter('bpfwarden_rule_runs_total', 'Successful runs of each detection rule', ['rule'], (r) =>
    (r.detection?.rules ?? []).map((x) => [{ rule: x.id }, x.runs] as const),
  );
  counter(
    'bpfwarden_rule_errors_total',
    'Failed runs of each detection rule (errors and time-outs)',
    ['rule'],
    (r) => (r.detection?.rules ?? []).map((x) => [{ rule: x.id }, x.failures] as const),
  );
  counter(
    'bpfwarden_rule_run_seconds_total',
    'Run time of all successful runs of each detection rule (stored: survives restarts)',
    ['rule'],
    (r) => (r.detection?.rules ?? []).map((x) => [{ rule: x.id }, x.runMsTotal / 1000] as const),
  );
  gauge(
    'bpfwarden_rule_slow',
    '1 when the rule is slower than rules.slowRuleMs and runs on its own, paced by its own cost',
    ['rule'],
    (r) => (r.detection?.rules ?? []).map((x) => [{ rule: x.id }, x.slow ? 1 : 0] as const),
  );
  new SnapshotHistogram({
    name: 'bpfwarden_rule_run_seconds',
    help: 'Run time of each successful detection rule run, since the agent started',
    labelNames: ['rule'],
    registry,
    bounds: powersOfTwo(6, 26),
    scale: 1e-6,
    read: async () =>
      [...((await read()).detection?.runTimesUs ?? [])].map(([rule, snapshot]) => ({
        labels: { rule },
        snapshot,
      })),
  });
  counter('bpfwarden_alerts_raised_total', 'Alerts stored, by rule and severity', ['rule', 'severity'], (r) =>
    (r.detection?.alertsRaised ?? []).map(
      (a) => [{ rule: a.ruleId, severity: a.severity }, a.count] as const,
    ),
  );
  counter(
    'bpfwarden_alert_deliveries_total',
    'Alert delivery outcomes by sink: delivered, failed (gave up) and retried attempts',
    ['sink', 'outcome'],
    (r) =>
      (r.detection?.deliveries ?? []).map((d) => [{ sink: d.sink, outcome: d.outcome }, d.count] as const),
  );
  gauge(
    'bpfwarden_outbox_depth',
    'Alert deliveries pending in the outbox',
    [],
    one((r) => r.detection?.outboxDepth),
  );

  // Live streams (SSE and gRPC).
  gauge(
    'bpfwarden_api_streams_open',
    'Live streams (SSE and gRPC) open now',
    [],
    one((r) => r.streams?.open),
  );
  counter(
    'bpfwarden_api_stream_rejected_total',
    'Live streams refused because api.maxStreams were open',
    [],
    one((r) => r.streams?.rejected),
  );
  counter(
    'bpfwarden_api_stream_cut_total',
    'Live streams the agent cut, by reason: lagged (fell behind the feed), buffer (too many bytes queued), stalled (did not drain in time)',
    ['reason'],
    (r) =>
      r.streams ? CUT_REASONS.map((reason) => [{ reason }, r.streams?.cuts[reason] ?? 0] as const) : [],
  );

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
