/**
 * Metrics from a real agent: an in-process Agent captures real processes,
 * a rule alerts on a marker exec, a file sink delivers; the scrape before
 * and after shows the counters moving by what the test caused.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent } from '../../src/agent/agent.ts';
import { parseConfig } from '../../src/agent/config.ts';
import { createMetrics, metricsSourceFromAgent } from '../../src/api/metrics/index.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { run } from '../support/spawn.ts';
import { parseExposition, sample } from '../unit/api/exposition.ts';

describe('metrics of a running agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-metrics-'));
  let agent: Agent | undefined;
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('counters move with real activity', { timeout: 60_000 }, async () => {
    const tag = `bwmetrics${process.pid}`;
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(
      join(rulesDir, 'marker.yaml'),
      `id: test-metrics-marker
name: metrics marker exec
severity: high
title: marker {marker}
dedupe: marker
query: |
  SELECT id, pid, json_extract(argv, '$[1]') AS marker
  FROM new_process_events
  WHERE type = 'exec' AND argv LIKE '%${tag}-%'
`,
    );
    const database = join(dir, 'bw.db');
    const config = parseConfig({
      database,
      runtimeDir: join(dir, 'run'),
      monitors: {
        file: { enabled: false },
        net: { enabled: false },
        drop: { enabled: false },
        dns: { enabled: false },
      },
      rules: { directory: rulesDir, intervalMs: 200 },
      alerts: { sinks: [{ name: 'file', type: 'file', path: join(dir, 'alerts.jsonl') }] },
      api: { enabled: false },
    });
    const lines: string[] = [];
    agent = new Agent(config, { log: (l) => lines.push(l) });
    await agent.start();
    const source = metricsSourceFromAgent(agent, { database });
    const metrics = createMetrics(source);
    const scrape = async () => parseExposition(await metrics.render());

    const before = await scrape();
    assert.equal(sample(before, 'bpfwarden_monitor_up', { monitor: 'process' }), 1);
    const v0 = (name: string, labels: Record<string, string> = {}): number =>
      sample(before, name, labels) ?? 0;

    const N = 5;
    for (let i = 0; i < N; i++) await run('/bin/true', [`${tag}-${i}`]);
    let afterScrape = await scrape();
    const until = Date.now() + 15_000;
    const alertsOf = (m: typeof afterScrape): number =>
      sample(m, 'bpfwarden_alerts_raised_total', { rule: 'test-metrics-marker', severity: 'high' }) ?? 0;
    const delivered = (m: typeof afterScrape): number =>
      sample(m, 'bpfwarden_alert_deliveries_total', { sink: 'file', outcome: 'delivered' }) ?? 0;
    while ((alertsOf(afterScrape) < N || delivered(afterScrape) < N) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      afterScrape = await scrape();
    }
    const v1 = (name: string, labels: Record<string, string> = {}): number =>
      sample(afterScrape, name, labels) ?? 0;

    assert.ok(
      v1('bpfwarden_monitor_events_total', { monitor: 'process' }) -
        v0('bpfwarden_monitor_events_total', { monitor: 'process' }) >=
        N,
      'each exec was received from the kernel',
    );
    assert.ok(v1('bpfwarden_store_rows_total') - v0('bpfwarden_store_rows_total') >= N, 'and stored');
    assert.equal(alertsOf(afterScrape), N, 'one alert per marker exec');
    assert.equal(delivered(afterScrape), N, 'each delivered to the file sink');
    assert.equal(v1('bpfwarden_outbox_depth'), 0);
    assert.ok(v1('bpfwarden_rule_runs_total', { rule: 'test-metrics-marker' }) >= 1);
    assert.equal(v1('bpfwarden_rule_errors_total', { rule: 'test-metrics-marker' }), 0);
    assert.equal(v1('bpfwarden_monitor_up', { monitor: 'process' }), 1);
    assert.ok(afterScrape.has('process_resident_memory_bytes'));

    // Per-type rows and distributions come from the agent's store counters, where it exposes them.
    const exposesStore = typeof (agent as { storeCounters?: unknown }).storeCounters === 'function';
    const execs = sample(afterScrape, 'bpfwarden_events_total', { monitor: 'process', type: 'exec' });
    const commits = sample(afterScrape, 'bpfwarden_store_commit_seconds_count');
    if (exposesStore) {
      assert.ok((execs ?? 0) - v0('bpfwarden_events_total', { monitor: 'process', type: 'exec' }) >= N);
      assert.ok((commits ?? 0) > 0);
    } else {
      assert.equal(execs, undefined, 'no per-type figure is made up without the store counters');
      assert.equal(commits, undefined);
    }
    console.log(
      `# +${v1('bpfwarden_monitor_events_total', { monitor: 'process' }) - v0('bpfwarden_monitor_events_total', { monitor: 'process' })} process events, +${v1('bpfwarden_store_rows_total') - v0('bpfwarden_store_rows_total')} rows, ${alertsOf(afterScrape)} alerts, store counters exposed: ${exposesStore}`,
    );
    source.close();
    await agent.stop();
    agent = undefined;
  });
});
