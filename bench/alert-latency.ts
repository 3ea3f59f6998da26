/**
 * Alert latency: kernel event -> webhook delivery, under background load.
 * Starts the real agent (bin/bpfwarden) with a rule on exec of a marker
 * argv and a webhook sink pointing here; runs open_storm at RATE opens/s
 * (file monitor) while firing marker execs; latency per alert is the time
 * the webhook arrives minus the event's kernel timestamp (as wall clock).
 *
 *   node bench/alert-latency.ts [--rate 10000] [--alerts 200] [--flush-ms 25] [--rules-ms 25]  (the agent's defaults)
 *                               [--slow-rule] [--slow-window-ms 300] [--slow-rule-ms N]
 *
 * --slow-rule adds a legal rule whose every run joins the file events of the
 * last --slow-window-ms with themselves (hundreds of ms under the storm), to
 * see whether one slow rule delays the marker's alerts; --slow-rule-ms sets
 * rules.slowRuleMs (a huge value keeps every rule in the shared pass, as
 * before rules had lanes).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/host/paths.ts';
import { startAgent } from '../test/support/agent-process.ts';
import { run, sleep } from '../test/support/spawn.ts';

const { values: a } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    alerts: { type: 'string', default: '200' },
    'flush-ms': { type: 'string', default: '25' },
    'rules-ms': { type: 'string', default: '25' },
    'slow-rule': { type: 'boolean', default: false },
    'slow-window-ms': { type: 'string', default: '300' },
    'slow-rule-ms': { type: 'string' },
  },
});
const rate = Number(a.rate);
const alerts = Number(a.alerts);
const dir = mkdtempSync(join(tmpdir(), 'bw-alert-latency-'));
const tag = `bwlat${process.pid}`;

const arrivals = new Map<string, number>();
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const at = Date.now() * 1000;
    const p = JSON.parse(body) as { details: { marker: string; time_us: number } };
    if (!arrivals.has(p.details.marker)) arrivals.set(p.details.marker, at - p.details.time_us);
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

mkdirSync(join(dir, 'rules'));
writeFileSync(
  join(dir, 'rules', 'latency.yaml'),
  `id: latency-marker
name: latency marker
severity: high
title: marker {marker}
query: |
  SELECT id, time_us, pid, type, json_extract(argv, '$[1]') AS marker
  FROM new_process_events WHERE type = 'exec' AND argv LIKE '%${tag}-%'
`,
);
if (a['slow-rule']) {
  const windowUs = Number(a['slow-window-ms']) * 1000;
  writeFileSync(
    join(dir, 'rules', 'slow.yaml'),
    `id: slow-join
name: slow self-join over recent file events
severity: low
title: never
query: |
  SELECT n.id FROM new_process_events n
  JOIN (SELECT count(*) AS k FROM file_events a JOIN file_events b ON b.pid = a.pid
        WHERE a.time_us >= :now_us - ${windowUs} AND b.time_us >= :now_us - ${windowUs}) x ON x.k < 0
`,
  );
}
writeFileSync(
  join(dir, 'config.yaml'),
  `monitors:
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
store:
  flushIntervalMs: ${Number(a['flush-ms'])}
rules:
  directory: ${join(dir, 'rules')}
  intervalMs: ${Number(a['rules-ms'])}
  timeoutMs: 30000
${a['slow-rule-ms'] ? `  slowRuleMs: ${Number(a['slow-rule-ms'])}\n` : ''}alerts:
  sinks:
    - { name: hook, type: webhook, url: "http://127.0.0.1:${port}/" }
`,
);

const agent = await startAgent(['--db', join(dir, 'bw.db'), '--config', join(dir, 'config.yaml')]);
await sleep(1000);
// Background load: paced opens for the whole measurement, plus a margin.
const seconds = Math.ceil(alerts / 20) + 3;
const storm = spawn(
  join(projectRoot(), 'build', 'open_storm'),
  [join(dir, 'storm-file'), String(rate * seconds), String(rate), '2'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const stormExit = new Promise((r) => storm.on('exit', r));
let stormOut = '';
storm.stdout.on('data', (d) => {
  stormOut += d;
});
await sleep(1000);
const t0 = Date.now() * 1000;
for (let i = 0; i < alerts; i++) {
  await run('/bin/true', [`${tag}-${i}`]);
  await sleep(50);
}
const t1 = Date.now() * 1000;
const deadline = Date.now() + 10_000;
while (arrivals.size < alerts && Date.now() < deadline) await sleep(50);
await stormExit;
await agent.stop('SIGTERM');
server.close();
// The background rate the agent actually stored while the markers fired.
const conn = new DatabaseSync(join(dir, 'bw.db'), { readOnly: true });
const stored = (
  conn.prepare('SELECT count(*) AS n FROM events WHERE time_us BETWEEN ? AND ?').get(t0, t1) as { n: number }
).n;
const rules = conn
  .prepare('SELECT rule_id, runs, last_run_ms, run_ms_total, slow FROM rule_state ORDER BY rule_id')
  .all() as {
  rule_id: string;
  runs: number;
  last_run_ms: number | null;
  run_ms_total: number;
  slow: number;
}[];
conn.close();

const lat = [...arrivals.values()].map((us) => us / 1000).sort((x, y) => x - y);
const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
const load = stormOut.trim().split('\n').at(-1) ?? '{}';
const result = {
  alertsFired: alerts,
  alertsDelivered: arrivals.size,
  stormOpensPerSecond: (JSON.parse(load) as { perSecond?: number }).perSecond ?? null,
  storedEventsPerSecondDuringMeasurement: Math.round(stored / ((t1 - t0) / 1e6)),
  flushIntervalMs: Number(a['flush-ms']),
  rulesIntervalMs: Number(a['rules-ms']),
  latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat.at(-1) ?? null },
  rules: rules.map((r) => ({
    id: r.rule_id,
    runs: r.runs,
    msPerRun: r.runs ? Math.round((r.run_ms_total / r.runs) * 10) / 10 : null,
    lane: r.slow ? 'own' : 'shared',
  })),
};
console.log(JSON.stringify(result, null, 2));
rmSync(dir, { recursive: true, force: true });
