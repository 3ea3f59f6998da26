/**
 * The program manager through the agent's API: a program loaded and attached
 * with the CLI is listed with its link and kernel state, a missing id is a
 * 404, and a dry-run reconcile of a sound state plans nothing; after its link
 * pin is removed by hand, the plan names the repair.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { buildTestObjects, type Sandbox, sandbox, TEST_BPF } from '../support/manager-env.ts';

interface Prog {
  id: number;
  name: string;
  kernel: { id: number } | null;
  links: { id: number; pin: string | null; spec: { kind: string } }[];
}

describe('program manager over the API', { skip: kernelSkip }, () => {
  let sb: Sandbox;
  let agent: RunningAgent | undefined;
  let dispatcher: Dispatcher;
  let socket: string;
  const call = async <T>(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: T }> => {
    const r = await request(`http://agent${path}`, { method, dispatcher });
    return { status: r.statusCode, body: (await r.body.json()) as T };
  };

  before(async () => {
    buildTestObjects();
    sb = sandbox();
    socket = join(sb.dir, 'api.sock');
    const config = join(sb.dir, 'config.yaml');
    writeFileSync(
      config,
      `runtimeDir: ${join(sb.dir, 'run')}\napi: { socket: ${socket} }\nmonitors: { file: { enabled: false } }\n`,
    );
    // The agent inherits the sandbox's pin root and allowed directories.
    Object.assign(process.env, { BPFWARDEN_PIN_ROOT: sb.pinRoot, BPFWARDEN_PROGRAM_DIRS: TEST_BPF });
    const [p] = sb.json<Prog>(['prog', 'load', join(TEST_BPF, 'mgr_tp.bpf.o')]);
    assert.ok(p);
    sb.json(['link', 'attach', String(p.id), 'tracepoint', 'sched/sched_process_exec']);
    agent = await startAgent(['--db', sb.db, '--config', config]);
    dispatcher = new Dispatcher({ connect: { socketPath: socket } });
  });

  after(async () => {
    await agent?.stop();
    await dispatcher?.close();
    for (const p of sb?.json<Prog>(['prog', 'list']) ?? [])
      sb.cli(['prog', 'unload', String(p.id), '--db', sb.db]);
    sb?.cleanup();
  });

  test('lists managed programs with links and kernel state; unknown ids are 404', async () => {
    const r = await call<{ programs: Prog[] }>('GET', '/api/v1/programs');
    assert.equal(r.status, 200);
    const p = r.body.programs.find((x) => x.name === 'count_exec');
    assert.ok(p, JSON.stringify(r.body));
    assert.ok(p.kernel && p.kernel.id > 0, 'the kernel has the program');
    assert.equal(p.links[0]?.spec.kind, 'tracepoint');
    const one = await call<Prog>('GET', `/api/v1/programs/${p.id}`);
    assert.equal(one.body.name, 'count_exec');
    const missing = await call<{ error: { code: string } }>('GET', `/api/v1/programs/${p.id + 1000}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'PROGRAM_NOT_FOUND');
    const links = await call<{ links: unknown[] }>('GET', '/api/v1/links');
    assert.equal(links.body.links.length, 1);
  });

  test('dry-run reconcile plans nothing for a sound state, and the repair once a pin is removed', async () => {
    const sound = await call<{ actions: unknown[] }>('POST', '/api/v1/reconcile?dryRun=true');
    assert.equal(sound.status, 200);
    assert.deepEqual(sound.body.actions, []);
    const [p] = (await call<{ programs: Prog[] }>('GET', '/api/v1/programs')).body.programs;
    const pin = p?.links[0]?.pin;
    assert.ok(pin);
    rmSync(pin);
    const plan = await call<{ actions: { type: string; description: string }[] }>(
      'POST',
      '/api/v1/reconcile?dryRun=true',
    );
    assert.ok(plan.body.actions.length >= 1, JSON.stringify(plan.body));
    assert.ok(
      plan.body.actions.some((a) => /pin/i.test(a.description)),
      JSON.stringify(plan.body),
    );
    const fixed = await call<{ actions: { ok: boolean }[] }>('POST', '/api/v1/reconcile');
    assert.ok(fixed.body.actions.every((a) => a.ok));
    assert.deepEqual(
      (await call<{ actions: unknown[] }>('POST', '/api/v1/reconcile?dryRun=true')).body.actions,
      [],
    );
  });
});
