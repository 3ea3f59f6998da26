/**
 * Metrics rendered and parsed back: names, labels and values from a real
 * store (the event writer's counters and distributions, rules, alerts and
 * deliveries written by the store code) and an agent-shaped status.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createMetrics,
  familyOf,
  type MetricsAgent,
  metricsSourceFromAgent,
} from '../../../src/api/metrics/index.ts';
import type { StatusSnapshot, StoreCounters } from '../../../src/domain/contracts/status.ts';
import { LogHistogram } from '../../../src/domain/histogram.ts';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { Outbox } from '../../../src/store/outbox.ts';
import { recordRuleFailure, recordRuleRun, upsertRule } from '../../../src/store/rules-store.ts';
import { execEvent, forkEvent, T0_US, tempDir } from '../store/fixtures.ts';
import { type Exposition, parseExposition, sample } from './exposition.ts';

function rule(id: string, severity: Rule['severity']): Rule {
  return {
    id,
    name: id,
    description: '',
    severity,
    query: 'SELECT id FROM new_process_events',
    title: id,
    tags: [],
    dedupe: null,
    throttleMs: 0,
    enabled: true,
  };
}

interface Fixture {
  readonly agent: MetricsAgent;
  readonly database: string;
}

function fixture(t: Parameters<typeof tempDir>[0]): Fixture {
  const database = join(tempDir(t), 'bw.db');
  const db = openDatabase(database);
  t.after(() => db.close());
  // Two committed transactions: 40 execs, then 3 forks.
  const writer = new EventWriter(db);
  writer.enqueue(Array.from({ length: 40 }, (_, i) => execEvent({ timeUs: Date.now() * 1000 - 5000 + i })));
  writer.flush();
  writer.enqueue(Array.from({ length: 3 }, (_, i) => forkEvent({ timeUs: T0_US + i })));
  writer.flush();

  const now = T0_US;
  upsertRule(db, rule('shell-spawn', 'high'), 'test', now);
  upsertRule(db, rule('odd-exec', 'low'), 'test', now);
  db.exec('BEGIN');
  recordRuleRun(db, 'shell-spawn', 10, 2, now);
  recordRuleRun(db, 'shell-spawn', 20, 1, now);
  recordRuleFailure(db, 'odd-exec', 'boom', now, 10);
  const draft = (ruleId: string, severity: Rule['severity'], n: number) => ({
    draft: {
      timeUs: now + n,
      ruleId,
      severity,
      title: 't',
      details: {},
      eventIds: [n],
      eventTypes: ['exec'],
      dedupeKey: String(n),
      tags: [],
    },
    sinks: ['hook', 'log'],
    throttleMs: 0,
  });
  insertAlerts(
    db,
    [draft('shell-spawn', 'high', 1), draft('shell-spawn', 'high', 2), draft('odd-exec', 'low', 3)],
    now,
  );
  db.exec('COMMIT');
  // Deliveries: log delivers all three; hook delivers one after a retry, gives up on one, one pending.
  const outbox = new Outbox(db);
  for (const d of outbox.due(now + 1, 100)) {
    if (d.sink === 'log') outbox.delivered(d, now);
    else if (d.alertId === 1) {
      outbox.retry(d, now, 'refused');
      outbox.delivered({ ...d, attempts: 1 }, now);
    } else if (d.alertId === 2) outbox.fail(d, 'gave up');
    else outbox.retry(d, now + 1e12, 'refused');
  }

  const runTimes = new LogHistogram();
  for (const us of [100, 300, 5000]) runTimes.record(us);
  const counters: StoreCounters = {
    stored: writer.stats.rowsWritten,
    queued: 7,
    queueDropped: 11,
    unwritten: 5,
    writeFailures: 2,
    rowsRejected: writer.stats.rowsRejected,
    rowsByType: writer.rowsByType(),
    histograms: {
      latencyUs: writer.latencyUs.snapshot(),
      batchRows: writer.batchRows.snapshot(),
      commitUs: writer.commitUs.snapshot(),
    },
    latencyMs: { p50: 1, p99: 2, max: 3, count: 43 },
    retention: { deletedByAge: 5, deletedBySize: 0, failures: 0 },
  };
  const status: StatusSnapshot = {
    pid: process.pid,
    startedAtMs: Date.now(),
    updatedAtMs: Date.now(),
    database,
    monitors: [
      {
        name: 'process',
        state: 'running',
        events: 43,
        kernelDrops: 4,
        decodeErrors: 1,
        attached: ['sched/sched_process_exec'],
        counters: { missedRuns: 6 },
        ring: {
          wakeups: 9,
          records: 44,
          bytes: 4096,
          batches: 9,
          maxBatch: 10,
          callbackErrors: 0,
          handlerErrors: 1,
          timerDrains: 0,
        },
        eventsPerSecond: 0,
      },
      {
        name: 'file',
        state: 'failed',
        error: 'no',
        events: 0,
        kernelDrops: 3,
        decodeErrors: 0,
        attached: [],
        eventsPerSecond: 0,
      },
    ],
    store: { stored: 0, queued: 0, queueDropped: 0, writeFailures: 0 },
    retention: { deletedByAge: 0, deletedBySize: 0, failures: 0 },
  };
  return {
    database,
    agent: {
      snapshot: () => status,
      storeCounters: () => counters,
      detection: () => ({ ruleRunTimes: () => new Map([['shell-spawn', runTimes.snapshot()]]) }),
    },
  };
}

async function scrape(agent: MetricsAgent, database: string): Promise<{ text: string; m: Exposition }> {
  const source = metricsSourceFromAgent(agent, { database });
  const metrics = createMetrics(source);
  try {
    const text = await metrics.render();
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
    return { text, m: parseExposition(text) };
  } finally {
    source.close();
  }
}

test('monitor, kernel and store figures render with their names, labels and values', async (t) => {
  const f = fixture(t);
  const { m } = await scrape(f.agent, f.database);
  const v = (name: string, labels: Record<string, string> = {}): number | undefined =>
    sample(m, name, labels);
  assert.equal(m.get('bpfwarden_monitor_up')?.type, 'gauge');
  assert.equal(v('bpfwarden_monitor_up', { monitor: 'process' }), 1);
  assert.equal(v('bpfwarden_monitor_up', { monitor: 'file' }), 0, 'a failed monitor is down, not missing');
  assert.equal(v('bpfwarden_monitor_events_total', { monitor: 'process' }), 43);
  assert.equal(v('bpfwarden_kernel_reserve_failures_total', { monitor: 'process' }), 4);
  assert.equal(v('bpfwarden_ring_overruns_total'), 7, 'summed over monitors');
  assert.equal(v('bpfwarden_decode_errors_total', { monitor: 'process' }), 1);
  assert.equal(v('bpfwarden_missed_runs_total', { monitor: 'process' }), 6);
  assert.equal(v('bpfwarden_ring_handler_errors_total', { monitor: 'process' }), 1);
  assert.equal(m.get('bpfwarden_events_total')?.type, 'counter');
  assert.equal(v('bpfwarden_events_total', { monitor: 'process', type: 'exec' }), 40);
  assert.equal(v('bpfwarden_events_total', { monitor: 'process', type: 'fork' }), 3);
  assert.equal(v('bpfwarden_store_rows_total'), 43);
  assert.equal(v('bpfwarden_store_queued'), 7);
  assert.equal(v('bpfwarden_userspace_dropped_total'), 11);
  assert.equal(v('bpfwarden_store_write_failures_total'), 2);
  assert.equal(v('bpfwarden_retention_deleted_total', { reason: 'age' }), 5);
});

test('store distributions are real histograms with exact cumulative buckets', async (t) => {
  const f = fixture(t);
  const { m } = await scrape(f.agent, f.database);
  const rows = m.get('bpfwarden_store_batch_rows');
  assert.equal(rows?.type, 'histogram');
  const bucket = (le: string): number | undefined => sample(m, 'bpfwarden_store_batch_rows_bucket', { le });
  // Batches of 40 and 3 rows.
  assert.equal(bucket('1'), 0);
  assert.equal(bucket('3'), 1, 'the 3-row batch is <= 3');
  assert.equal(bucket('31'), 1);
  assert.equal(bucket('63'), 2);
  assert.equal(bucket('+Inf'), 2);
  assert.equal(sample(m, 'bpfwarden_store_batch_rows_sum'), 43);
  assert.equal(sample(m, 'bpfwarden_store_batch_rows_count'), 2);
  // Buckets never decrease.
  const les = rows?.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.value) ?? [];
  assert.ok(les.length > 10);
  assert.deepEqual(
    les,
    [...les].sort((a, b) => a - b),
  );
  assert.equal(sample(m, 'bpfwarden_store_commit_seconds_count'), 2);
  assert.ok((sample(m, 'bpfwarden_store_commit_seconds_sum') ?? 0) > 0);
  assert.equal(sample(m, 'bpfwarden_store_latency_seconds_count'), 43);
});

test('detection: rule runs, errors and run times, alerts, deliveries and the outbox, from the database', async (t) => {
  const f = fixture(t);
  const { m } = await scrape(f.agent, f.database);
  const v = (name: string, labels: Record<string, string> = {}): number | undefined =>
    sample(m, name, labels);
  assert.equal(v('bpfwarden_rule_runs_total', { rule: 'shell-spawn' }), 2);
  assert.equal(v('bpfwarden_rule_errors_total', { rule: 'odd-exec' }), 1);
  assert.equal(v('bpfwarden_rule_errors_total', { rule: 'shell-spawn' }), 0);
  assert.equal(v('bpfwarden_alerts_raised_total', { rule: 'shell-spawn', severity: 'high' }), 2);
  assert.equal(v('bpfwarden_alerts_raised_total', { rule: 'odd-exec', severity: 'low' }), 1);
  assert.equal(v('bpfwarden_alert_deliveries_total', { sink: 'log', outcome: 'delivered' }), 3);
  assert.equal(v('bpfwarden_alert_deliveries_total', { sink: 'hook', outcome: 'delivered' }), 1);
  assert.equal(v('bpfwarden_alert_deliveries_total', { sink: 'hook', outcome: 'failed' }), 1);
  assert.equal(v('bpfwarden_alert_deliveries_total', { sink: 'hook', outcome: 'retried' }), 2);
  assert.equal(v('bpfwarden_outbox_depth'), 1);
  assert.equal(v('bpfwarden_rule_run_seconds_count', { rule: 'shell-spawn' }), 3);
  assert.equal(v('bpfwarden_rule_run_seconds_bucket', { rule: 'shell-spawn', le: '0.000128' }), 1, '100 µs');
  assert.equal(v('bpfwarden_rule_run_seconds_bucket', { rule: 'shell-spawn', le: '0.000512' }), 2, '300 µs');
  assert.equal(v('bpfwarden_rule_run_seconds_bucket', { rule: 'shell-spawn', le: '0.008192' }), 3, '5 ms');
});

test('process metrics are present and scraping twice never adds twice', async (t) => {
  const f = fixture(t);
  const source = metricsSourceFromAgent(f.agent, { database: f.database });
  t.after(() => source.close());
  const metrics = createMetrics(source);
  const a = parseExposition(await metrics.render());
  const b = parseExposition(await metrics.render());
  for (const name of [
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
  ]) {
    assert.ok(a.has(name), `${name} is exported`);
  }
  for (const [name, labels] of [
    ['bpfwarden_events_total', { monitor: 'process', type: 'exec' }],
    ['bpfwarden_alerts_raised_total', { rule: 'shell-spawn', severity: 'high' }],
    ['bpfwarden_store_batch_rows_count', {}],
  ] as const) {
    assert.equal(sample(b, name, labels), sample(a, name, labels), name);
  }
});

test('without the database the other figures are still served and the failure is counted', async (t) => {
  const f = fixture(t);
  const { m } = await scrape(f.agent, join(f.database, '..', 'missing.db'));
  assert.equal(sample(m, 'bpfwarden_metrics_read_errors_total', { part: 'database' }), 1);
  assert.equal(sample(m, 'bpfwarden_store_rows_total'), 43);
  assert.equal(sample(m, 'bpfwarden_outbox_depth'), undefined);
  // An agent without the optional accessors: status figures only.
  const { m: basic } = await scrape({ snapshot: f.agent.snapshot }, f.database);
  assert.equal(sample(basic, 'bpfwarden_monitor_events_total', { monitor: 'process' }), 43);
  assert.equal(sample(basic, 'bpfwarden_events_total', { monitor: 'process', type: 'exec' }), undefined);
  assert.equal(sample(basic, 'bpfwarden_alerts_raised_total', { rule: 'odd-exec', severity: 'low' }), 1);
});

test('event types map to the monitor family that produces them', () => {
  assert.equal(familyOf('exec'), 'process');
  assert.equal(familyOf('open'), 'file');
  assert.equal(familyOf('tcp_connect'), 'net');
  assert.equal(familyOf('no-such-type'), 'unknown');
});
