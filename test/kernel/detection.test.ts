/**
 * The detection engine inside a real agent, on real kernel events: a
 * fileless exec (python3 running a memfd) raises the starter pack's
 * memfd-exec alert for that pid.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { projectRoot } from '../../src/host/paths.ts';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run } from '../support/spawn.ts';

/** Alerts of a rule whose details name one of the pids. */
function alertsFor(db: string, ruleId: string, pids: readonly number[]): { pid: number; severity: string }[] {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = conn
      .prepare(
        `SELECT json_extract(details, '$.pid') AS pid, severity FROM alerts
         WHERE rule_id = ? AND json_extract(details, '$.pid') IN (SELECT value FROM json_each(?))`,
      )
      .all(ruleId, JSON.stringify(pids)) as { pid: number; severity: string }[];
    return rows.map((r) => ({ pid: Number(r.pid), severity: r.severity }));
  } catch {
    return [];
  } finally {
    conn.close();
  }
}

// execve of a memfd as the kernel sees it: by fd (execveat AT_EMPTY_PATH, stored as
// /dev/fd/N with comm memfd:NAME) and by /proc/self/fd/N (comm N).
const FILELESS = `
import os, sys
fd = os.memfd_create("bwfileless", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
target = fd if sys.argv[1] == "fd" else "/proc/self/fd/%d" % fd
os.execve(target, ["bwfileless"], {})
`;

describe('detection in the agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-detect-'));
  const db = join(dir, 'bw.db');
  const config = join(dir, 'config.yaml');
  let agent: RunningAgent | undefined;
  writeFileSync(
    config,
    `monitors:
  file: { enabled: false }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
rules:
  directory: ${join(projectRoot(), 'rules')}
`,
  );

  after(async () => {
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a fileless exec from a memfd raises memfd-exec (critical) for its pid', {
    timeout: 60_000,
  }, async () => {
    agent = await startAgent(['--db', db, '--config', config]);
    const byFd = await run('python3', ['-c', FILELESS, 'fd']);
    const byProc = await run('python3', ['-c', FILELESS, 'proc']);
    assert.equal(byFd.code, 0, 'the memfd ran /bin/true');
    assert.equal(byProc.code, 0, 'the memfd ran /bin/true');
    const pids = [byFd.pid, byProc.pid];
    const got = await eventually(
      'memfd-exec alerts for both pids',
      () => {
        const a = alertsFor(db, 'memfd-exec', pids);
        return new Set(a.map((x) => x.pid)).size === 2 ? a : undefined;
      },
      15_000,
    );
    assert.ok(got.every((a) => a.severity === 'critical'));
    await agent.stop('SIGTERM');
    agent = undefined;
  });
});
