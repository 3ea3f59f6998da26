/**
 * The REST API of a real agent over its Unix socket: real processes show up
 * in /api/v1/events, the CLI goes through the API when an agent answers, and
 * falls back to the database when none does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { BIN, type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { run, sleep } from '../support/spawn.ts';
import { readSse } from '../support/sse.ts';

interface Page {
  events: { type: string; pid: number; comm: string; argv?: string[] }[];
}

function cliWith(
  env: Record<string, string>,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the agent API', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-api-'));
  const socket = join(dir, 'api.sock');
  const db = join(dir, 'api.db');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `database: ${db}\nruntimeDir: ${dir}/run\napi:\n  socket: ${socket}\nmonitors:\n  file:\n    enabled: false\n`,
  );
  let agent: RunningAgent | undefined;
  const dispatcher = new Dispatcher({ connect: { socketPath: socket } });
  after(async () => {
    await agent?.stop();
    await dispatcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const r = await request(`http://agent${path}`, { dispatcher });
    return { status: r.statusCode, body: (await r.body.json()) as T };
  };

  test('serves real events on a root-only socket; the CLI reads through it', async () => {
    agent = await startAgent(['--config', config]);
    assert.match(agent.stderr(), new RegExp(`API ${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    const marker = randomUUID();
    const p = await run('/bin/true', [marker]);
    let hit: Page['events'][number] | undefined;
    for (let i = 0; i < 100 && !hit; i++) {
      const r = await get<Page>(`/api/v1/events?type=exec&pid=${p.pid}`);
      assert.equal(r.status, 200);
      hit = r.body.events.find((e) => e.argv?.[1] === marker);
      if (!hit) await sleep(50);
    }
    assert.ok(hit, 'the exec of /bin/true is listed by the API');
    assert.equal(hit.comm, 'true');

    const st = await get<{ monitors: { name: string; state: string }[] }>('/api/v1/status');
    assert.ok(st.body.monitors.some((m) => m.name === 'process' && m.state === 'running'));
    assert.equal((await get<{ status: string }>('/readyz')).status, 200);

    // The CLI's default database is not this agent's: the row can only come through the API.
    const viaApi = cliWith({ BPFWARDEN_API_SOCKET: socket }, [
      'events',
      '--type',
      'exec',
      '--pid',
      String(p.pid),
      '--json',
    ]);
    assert.equal(viaApi.status, 0, viaApi.stderr);
    assert.ok(viaApi.stdout.includes(marker), viaApi.stdout);
    const status = cliWith({ BPFWARDEN_API_SOCKET: socket }, [
      'status',
      '--json',
      '--runtime-dir',
      join(dir, 'run'),
    ]);
    assert.equal(status.status, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { pid: number }).pid, agent.child.pid);
  });

  test('streams a real exec as a server-sent event', async () => {
    const marker = randomUUID();
    let pid = 0;
    const msgs = await readSse(
      socket,
      '/api/v1/events/stream?type=exec&comm=true',
      (m) => m.some((x) => x.data.pid === pid && pid !== 0),
      () => {
        void sleep(200).then(async () => {
          pid = (await run('/bin/true', [marker])).pid;
        });
      },
      {},
      10_000,
    );
    const hit = msgs.find((x) => x.data.pid === pid);
    assert.ok(hit, `no event for pid ${pid} in ${msgs.length} messages`);
    assert.ok((hit.data.argv as string[]).includes(marker));
    assert.ok(msgs.every((x) => x.data.type === 'exec' && x.data.comm === 'true'));
  });

  test('after the agent stops, the socket is gone and the CLI reads the database', async () => {
    const r = await agent?.stop();
    agent = undefined;
    assert.equal(r?.code, 0);
    assert.equal(existsSync(socket), false);
    const direct = cliWith({ BPFWARDEN_API_SOCKET: socket }, [
      'events',
      '--type',
      'exec',
      '--comm',
      'true',
      '--db',
      db,
      '--json',
    ]);
    assert.equal(direct.status, 0, direct.stderr);
    assert.ok(direct.stdout.trim().split('\n').length >= 1);
  });
});
