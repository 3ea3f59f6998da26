/**
 * The API socket of a real agent started under `umask 000`: while it starts,
 * a non-root user (nobody, through setpriv) tries to connect over and over
 * and must never get in; the socket is born 0600 and the runtime directory
 * is made 0700 although it existed with mode 0755.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { BIN, testEnv } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';

/** Connects to `socket` as fast as it can until SIGTERM; prints the count of each outcome as JSON. */
const PROBE = `
const net = require('node:net');
const counts = {};
let stop = false;
process.on('SIGTERM', () => { stop = true; });
const once = () => {
  if (stop) { process.stdout.write(JSON.stringify(counts)); process.exit(0); }
  const s = net.connect(process.argv[1]);
  const done = (k) => { counts[k] = (counts[k] ?? 0) + 1; s.destroy(); setImmediate(once); };
  s.once('connect', () => done('connected'));
  s.once('error', (e) => done(e.code ?? 'error'));
};
once();
`;

describe('the API socket is never reachable by other users', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-perms-'));
  // Others may traverse the test directory: only the runtime directory may keep them out.
  chmodSync(dir, 0o755);
  const run = join(dir, 'run');
  mkdirSync(run);
  chmodSync(run, 0o755);
  const socket = join(run, 'api.sock');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `database: ${join(dir, 'a.db')}\nruntimeDir: ${run}\ngrpc: { enabled: false }\nmonitors:\n  file:\n    enabled: false\n`,
  );
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('under umask 000, nobody never connects while the agent starts; socket 0600, directory 0700', async () => {
    const probe = spawn(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', PROBE, socket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(probe);
    let probeOut = '';
    probe.stdout?.on('data', (d: Buffer) => {
      probeOut += String(d);
    });
    const probeExit = new Promise<number | null>((r) => probe.on('exit', (c) => r(c)));

    const agent = spawn('sh', ['-c', `umask 000; exec "$0" agent --config "$1"`, BIN, config], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: testEnv(),
    });
    children.push(agent);
    let err = '';
    agent.stderr?.on('data', (d: Buffer) => {
      err += String(d);
    });
    const agentExit = new Promise<number | null>((r) => agent.on('exit', (c) => r(c)));
    const until = Date.now() + 20_000;
    while (!err.includes('agent ready')) {
      assert.ok(Date.now() < until, `agent not ready; stderr:\n${err}`);
      assert.equal(agent.exitCode, null, `agent exited; stderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Keep probing the listening socket a little longer.
    await new Promise((r) => setTimeout(r, 500));
    probe.kill('SIGTERM');
    assert.equal(await probeExit, 0);
    const counts = JSON.parse(probeOut) as Record<string, number>;
    assert.equal(counts.connected ?? 0, 0, `nobody connected: ${probeOut}`);
    assert.ok((counts.EACCES ?? 0) > 0, `the probe ran while the socket existed: ${probeOut}`);

    assert.equal(statSync(run).mode & 0o777, 0o700);
    const mode = statSync(socket).mode & 0o777;
    assert.equal(mode & ~0o600, 0, `socket mode ${mode.toString(8)}`);
    // Root still gets in.
    const d = new Dispatcher({ connect: { socketPath: socket } });
    const r = await request('http://agent/api/v1/status', { dispatcher: d });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    await d.close();
    agent.kill('SIGTERM');
    assert.equal(await agentExit, 0, err);
  });
});
