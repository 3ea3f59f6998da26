/**
 * API latency while ingesting: the real agent (bin/bpfwarden, default
 * monitors) under an open storm, with a client on its Unix socket asking for
 * the newest events, filtered events, status and a summary, at a steady pace.
 * Reports p50/p99/max per request kind and what the agent stored meanwhile.
 *
 *   node bench/api-latency.ts [--rate 0] [--seconds 10] [--rps 20]   (rate 0 = as fast as the storm goes)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Agent as Dispatcher, request } from 'undici';
import { projectRoot } from '../src/host/paths.ts';
import { startAgent } from '../test/support/agent-process.ts';
import { sleep } from '../test/support/spawn.ts';

const { values: a } = parseArgs({
  options: {
    rate: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '10' },
    rps: { type: 'string', default: '20' },
  },
});
const rate = Number(a.rate);
const seconds = Number(a.seconds);
const rps = Number(a.rps);
const dir = mkdtempSync(join(tmpdir(), 'bw-api-latency-'));
const socket = join(dir, 'api.sock');
writeFileSync(join(dir, 'config.yaml'), `runtimeDir: ${join(dir, 'run')}\napi:\n  socket: ${socket}\n`);

const agent = await startAgent(['--db', join(dir, 'bw.db'), '--config', join(dir, 'config.yaml')]);
await sleep(1000);
const dispatcher = new Dispatcher({ connect: { socketPath: socket } });

const KINDS = {
  newest: '/api/v1/events?limit=100',
  exec: '/api/v1/events?type=exec&limit=100',
  status: '/api/v1/status',
  summary: '/api/v1/events/summary?by=type&since=2s',
} as const;
const lat: Record<string, number[]> = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
let failures = 0;

// The agent starts its query worker on the first query: start it before timing.
const coldStart = performance.now();
await (await request('http://agent/api/v1/events?limit=1', { dispatcher })).body.dump();
const coldMs = Math.round((performance.now() - coldStart) * 10) / 10;

// Files for the storm's opens, in a directory of their own.
mkdirSync(join(dir, 'storm'));
const total = rate > 0 ? rate * seconds : 50_000_000;
const storm = spawn(
  join(projectRoot(), 'build', 'open_storm'),
  [join(dir, 'storm', 'f'), String(total), String(rate), '2'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let stormOut = '';
storm.stdout.on('data', (d) => {
  stormOut += d;
});
await sleep(1000);
const t0 = Date.now();
let i = 0;
while (Date.now() - t0 < seconds * 1000) {
  const kind = Object.keys(KINDS)[i++ % 4] as keyof typeof KINDS;
  const start = performance.now();
  try {
    const r = await request(`http://agent${KINDS[kind]}`, { dispatcher });
    await r.body.dump();
    if (r.statusCode !== 200) failures++;
    lat[kind]?.push(performance.now() - start);
  } catch {
    failures++;
  }
  const next = t0 + (i * 1000) / rps;
  if (next > Date.now()) await sleep(next - Date.now());
}
const t1 = Date.now();
storm.kill('SIGINT');
await new Promise((r) => storm.on('exit', r));
const stop = await agent.stop('SIGTERM');
void stop;
await dispatcher.close();
const stopLine =
  agent
    .stderr()
    .split('\n')
    .find((l) => l.includes('stopped:')) ?? '';
const conn = new DatabaseSync(join(dir, 'bw.db'), { readOnly: true });
const stored = (
  conn
    .prepare('SELECT count(*) AS n FROM events WHERE time_us BETWEEN ? AND ?')
    .get(t0 * 1000, t1 * 1000) as {
    n: number;
  }
).n;
conn.close();

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN) * 10) / 10;
};
const all = Object.values(lat).flat();
const result = {
  seconds,
  requestsPerSecond: rps,
  requests: all.length,
  failures,
  coldMs,
  storedEventsPerSecond: Math.round(stored / ((t1 - t0) / 1000)),
  agentStopLine: stopLine.replace(/^bpfwarden: /, ''),
  storm: stormOut.trim().split('\n').at(-1) ?? '',
  latencyMs: {
    all: { p50: q(all, 0.5), p99: q(all, 0.99), max: q(all, 1) },
    ...Object.fromEntries(
      Object.entries(lat).map(([k, v]) => [k, { p50: q(v, 0.5), p99: q(v, 0.99), max: q(v, 1) }]),
    ),
  },
};
console.log(JSON.stringify(result, null, 2));
const out = join(projectRoot(), 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'api-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
