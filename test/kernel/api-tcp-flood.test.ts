/**
 * A real agent with a TCP listener under a flood of 20,000 connections that
 * never send a request (from two children at their open-file limit): the
 * agent holds no more than its TCP cap, its root-only Unix-socket API keeps
 * answering, the status file keeps being written, and it stops cleanly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { sleep } from '../support/spawn.ts';

const CONNECTIONS = 20_000;
const TCP_CAP = 512;

/**
 * Opens argv[2] connections to 127.0.0.1:argv[1] (at most 2000 connecting at
 * once), prints "burst" when each has connected or failed, then reopens those
 * the server closes; on SIGTERM prints its counts as JSON.
 */
const FLOOD = `
const net = require('node:net');
const port = Number(process.argv[1]), total = Number(process.argv[2]);
const c = { attempted: 0, connected: 0, closed: 0, errors: {}, open: 0, maxOpen: 0 };
let pending = 0, settled = 0, burst = false, stop = false;
const one = () => {
  if (stop) return;
  c.attempted++; pending++;
  const s = net.connect(port, '127.0.0.1');
  let counted = false, wasOpen = false;
  const settle = () => { if (counted) return; counted = true; pending--; settled++;
    if (!burst && settled >= total) { burst = true; process.stdout.write('burst\\n'); } };
  s.on('connect', () => { wasOpen = true; c.connected++; c.open++; c.maxOpen = Math.max(c.maxOpen, c.open); settle(); });
  s.on('error', (e) => { c.errors[e.code] = (c.errors[e.code] ?? 0) + 1; settle(); });
  s.on('close', () => { c.closed++; if (wasOpen) c.open--; settle(); });
  s.resume();
};
const pump = () => {
  while (!stop && pending < 2000 && (c.attempted < total || (burst && c.open + pending < total))) one();
  if (!stop) setTimeout(pump, burst ? 50 : 1);
};
pump();
process.on('SIGTERM', () => { stop = true; process.stdout.write(JSON.stringify(c) + '\\n'); process.exit(0); });
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe('a TCP connection flood does not starve the agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-flood-'));
  const run = join(dir, 'run');
  const socket = join(run, 'api.sock');
  let agent: RunningAgent | undefined;
  let floods: ChildProcess[] = [];
  after(async () => {
    for (const f of floods) f.kill('SIGKILL');
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${CONNECTIONS} idle TCP connections: the agent holds at most its cap, the socket API answers`, async (t) => {
    const port = await freePort();
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `database: ${join(dir, 'a.db')}\nruntimeDir: ${run}\ngrpc: { enabled: false }\n` +
        `api:\n  tcp: { host: 127.0.0.1, port: ${port}, token: flood-test-token-0123456789, maxConnections: ${TCP_CAP} }\n` +
        'monitors:\n  file:\n    enabled: false\n',
    );
    agent = await startAgent(['--config', config]);
    const pid = agent.child.pid as number;
    const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;
    const baseline = fds();

    // Two children, each at its hard open-file limit, so the flood does not depend on raising it.
    floods = [0, 1].map(() =>
      spawn(
        'sh',
        [
          '-c',
          'ulimit -n "$(ulimit -Hn)" && exec "$0" -e "$1" "$2" "$3"',
          process.execPath,
          FLOOD,
          String(port),
          String(CONNECTIONS / 2),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    );
    const outs = floods.map((f) => {
      const o = { text: '' };
      f.stdout?.on('data', (d: Buffer) => {
        o.text += String(d);
      });
      return o;
    });
    const until = Date.now() + 60_000;
    while (!outs.every((o) => o.text.includes('burst'))) {
      assert.ok(Date.now() < until, `the flood did not finish its burst: ${outs.map((o) => o.text)}`);
      assert.ok(
        floods.every((f) => f.exitCode === null),
        'a flood child exited',
      );
      await sleep(100);
    }

    const dispatcher = new Dispatcher({ connect: { socketPath: socket } });
    const statusFile = join(run, 'status.json');
    const statusAt = statSync(statusFile).mtimeMs;
    let maxFds = 0;
    const slowest: number[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        maxFds = Math.max(maxFds, fds());
        const t0 = Date.now();
        const r = await request('http://agent/api/v1/status', {
          dispatcher,
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        assert.equal(r.statusCode, 200);
        await r.body.dump();
        slowest.push(Date.now() - t0);
        await sleep(200);
      }
    } finally {
      await dispatcher.close();
    }
    t.diagnostic(
      `agent fds: baseline ${baseline}, at most ${maxFds} under the flood; slowest status ${Math.max(...slowest)} ms`,
    );
    assert.ok(Math.max(...slowest) < 2000, `status took ${Math.max(...slowest)} ms under the flood`);
    assert.ok(maxFds <= baseline + TCP_CAP + 64, `agent held ${maxFds} fds (baseline ${baseline})`);
    assert.ok(statSync(statusFile).mtimeMs > statusAt, 'the status file was written during the flood');
    assert.equal(agent.child.exitCode, null, 'the agent is alive');
    assert.doesNotMatch(agent.stderr(), /EMFILE|too many open files/i);

    let attempted = 0;
    for (const [i, f] of floods.entries()) {
      f.kill('SIGTERM');
      await new Promise((r) => f.once('exit', r));
      const line = outs[i]?.text.split('\n').find((l) => l.startsWith('{')) ?? '{}';
      attempted += (JSON.parse(line) as { attempted?: number }).attempted ?? 0;
    }
    floods = [];
    assert.ok(attempted >= CONNECTIONS, `${attempted} connections attempted`);
    const stopped = await agent.stop();
    agent = undefined;
    assert.equal(stopped.code, 0);
  });
});
