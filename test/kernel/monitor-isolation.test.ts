/**
 * One monitor failing (here: a bad attach point in config) leaves the others
 * capturing, and `bpfwarden status` names the failure.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { cli, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually } from '../support/spawn.ts';

interface MonitorJson {
  name: string;
  state: string;
  error?: string;
}

describe('monitor failure isolation', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-isolation-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a process monitor with a bad attach point fails alone; drops are still captured', async () => {
    const db = join(dir, 'iso.db');
    const runtimeDir = join(dir, 'run');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `database: ${db}
runtimeDir: ${runtimeDir}
monitors:
  process:
    attach:
      handle_exec: "tracepoint:sched/sched_process_nonexistent"
`,
    );
    const agent = await startAgent(['--config', config]);
    try {
      assert.match(agent.stderr(), /monitor process failed: .*sched_process_nonexistent/);
      const status = await eventually('status with monitors', () => {
        const r = cli(['status', '--runtime-dir', runtimeDir, '--json']);
        if (r.status !== 0) return undefined;
        return JSON.parse(r.stdout) as { running: boolean; monitors: MonitorJson[] };
      });
      assert.equal(status.running, true);
      const byName = new Map(status.monitors.map((m) => [m.name, m]));
      assert.equal(byName.get('process')?.state, 'failed');
      assert.match(byName.get('process')?.error ?? '', /sched_process_nonexistent/);
      const running = status.monitors.filter((m) => m.state === 'running').map((m) => m.name);
      assert.ok(running.includes('drop'), `running monitors: ${running.join(', ')}`);

      const table = cli(['status', '--runtime-dir', runtimeDir]);
      assert.match(table.stdout, /process\s+failed.*sched_process_nonexistent/);

      // Real activity for a monitor that still runs: UDP to a closed loopback port is dropped.
      const sock = createSocket('udp4');
      await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
      const closedPort = 40_000 + (process.pid % 20_000);
      const sent = (): Promise<void> =>
        new Promise((resolve, reject) =>
          sock.send('x', closedPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
        );
      await sent();
      await eventually(
        'drop row',
        () => {
          const conn = new DatabaseSync(db, { readOnly: true });
          try {
            const r = conn
              .prepare("SELECT count(*) AS n FROM events WHERE type = 'drop' AND port = ?")
              .get(closedPort) as { n: number };
            return r.n > 0 ? true : undefined;
          } finally {
            conn.close();
          }
        },
        5000,
      );
      sock.close();
    } finally {
      const r = await agent.stop();
      assert.equal(r.code, 0, agent.stderr());
    }
    const conn = new DatabaseSync(db, { readOnly: true });
    const execs = conn.prepare("SELECT count(*) AS n FROM process_events WHERE type = 'exec'").get() as {
      n: number;
    };
    conn.close();
    assert.equal(execs.n, 0, 'the failed process monitor stored nothing');
  });
});
