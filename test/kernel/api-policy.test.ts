/**
 * Egress policy through the agent's API: a rule added with POST takes effect
 * in the kernel (a connect from the policed cgroup gets EPERM, this process
 * still connects), its decision is stored as a policy event, DELETE lifts it,
 * bad bodies name the field, and --unload-on-exit removes the pins at stop.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { makeCgroup, runInCgroup, type TestCgroup, testPinRoot } from '../support/policy-env.ts';
import { sleep } from '../support/spawn.ts';

const CONNECT = `const s=require('node:net').connect(+process.argv[1],'127.0.0.1');s.on('connect',()=>{console.log('connected');s.end()});s.on('error',e=>{console.log(e.code);process.exitCode=3})`;

describe('enforcement over the API', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-api-policy-'));
  const socket = join(dir, 'api.sock');
  const pinRoot = testPinRoot('apipol');
  let agent: RunningAgent | undefined;
  let dispatcher: Dispatcher;
  let server: Server;
  let port = 0;
  let cg: TestCgroup;
  const call = async <T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const r = await request(`http://agent${path}`, {
      method,
      dispatcher,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
  };
  const connectFromCgroup = async (): Promise<string> =>
    (await runInCgroup(cg.path, [process.execPath, '-e', CONNECT, String(port)])).stdout.trim();
  const connectHere = (): Promise<string> =>
    new Promise((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => {
        s.end();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });

  before(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    cg = makeCgroup('apipol');
    writeFileSync(
      join(dir, 'config.yaml'),
      `runtimeDir: ${join(dir, 'run')}\napi: { socket: ${socket} }\nmonitors: { file: { enabled: false } }\n`,
    );
    process.env.BPFWARDEN_ENFORCE_PIN_ROOT = pinRoot;
    agent = await startAgent([
      '--db',
      join(dir, 'bw.db'),
      '--config',
      join(dir, 'config.yaml'),
      '--unload-on-exit',
    ]);
    dispatcher = new Dispatcher({ connect: { socketPath: socket } });
  });

  after(async () => {
    await agent?.stop();
    await dispatcher?.close();
    server?.close();
    await cg?.remove();
    if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('POST denies in the kernel and records the decision; DELETE lifts it', async () => {
    assert.equal(await connectFromCgroup(), 'connected', 'no rule yet');
    const bad = await call<{ error: { code: string; field?: string; message: string } }>(
      'POST',
      '/api/v1/policy/rules/egress',
      { action: 'deny', cidr: '300.1.2.3/8' },
    );
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.field, 'cidr');
    const added = await call<{ id: number }>('POST', '/api/v1/policy/rules/egress', {
      action: 'deny',
      cidr: '127.0.0.1/32',
      ports: String(port),
      protocol: 'tcp',
      cgroup: cg.path,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(await connectFromCgroup(), 'EPERM');
    assert.equal(await connectHere(), 'connected', 'other cgroups are not policed');
    const listed = await call<{ rules: { id: number; kind: string; source: string }[] }>(
      'GET',
      '/api/v1/policy/rules?kind=egress',
    );
    assert.deepEqual(
      listed.body.rules.map((r) => [r.id, r.source]),
      [[added.body.id, 'api']],
      'recorded as added over the API, not by the CLI',
    );
    const db = new DatabaseSync(join(dir, 'bw.db'), { readOnly: true });
    try {
      const log = db.prepare('SELECT actor, op FROM policy_changes WHERE rule_id = ?').all(added.body.id);
      assert.deepEqual(
        log.map((r) => [r.actor, r.op]),
        [['api', 'add']],
        'the change log names the API',
      );
    } finally {
      db.close();
    }
    let events: { type: string; ruleId?: number }[] = [];
    for (let i = 0; i < 100 && events.length === 0; i++) {
      events = (await call<{ events: typeof events }>('GET', '/api/v1/events?type=policy_egress')).body
        .events;
      if (events.length === 0) await sleep(100);
    }
    assert.ok(events.length >= 1, 'the denial is stored as a policy event');
    assert.equal((await call('DELETE', `/api/v1/policy/rules/${added.body.id}`)).status, 204);
    assert.equal(await connectFromCgroup(), 'connected');
    assert.equal((await call('DELETE', `/api/v1/policy/rules/${added.body.id}`)).status, 404);
  });

  test('firewall rules through the API: validated, recorded with source api, removable', async () => {
    const bad = await call<{ error: { code: string; field?: string } }>('POST', '/api/v1/firewall/rules', {
      action: 'drop',
      src: '10.0.0.0/33',
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.code, 'BAD_RULE');
    assert.equal(bad.body.error.field, 'src');
    const added = await call<{ id: number; action: string }>('POST', '/api/v1/firewall/rules', {
      action: 'drop',
      src: '203.0.113.0/24',
      protocol: 'udp',
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const dup = await call('POST', '/api/v1/firewall/rules', { id: added.body.id, action: 'pass' });
    assert.equal(dup.status, 409);
    const list = await call<{ rules: { id: number; source: string }[] }>('GET', '/api/v1/firewall/rules');
    assert.deepEqual(
      list.body.rules.map((r) => [r.id, r.source]),
      [[added.body.id, 'api']],
    );
    const stats = await call<{ rules: unknown[] }>('GET', '/api/v1/firewall/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.rules.length, 1);
    assert.equal((await call('DELETE', `/api/v1/firewall/rules/${added.body.id}`)).status, 204);
    assert.equal((await call('DELETE', `/api/v1/firewall/rules/${added.body.id}`)).status, 404);
  });

  test('--unload-on-exit removes the enforcement pins at a clean stop', async () => {
    assert.ok(existsSync(join(pinRoot, 'egress')), 'the egress policy is pinned while the agent runs');
    const r = await agent?.stop();
    agent = undefined;
    assert.equal(r?.code, 0);
    assert.equal(existsSync(join(pinRoot, 'egress')), false);
  });
});
