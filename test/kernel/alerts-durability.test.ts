/**
 * At-least-once delivery across a crash: the agent raises alerts from real
 * exec events while the webhook receiver is down, is killed with SIGKILL,
 * restarts, raises more; then the receiver comes up and every alert
 * arrives (duplicates allowed, losses not).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run } from '../support/spawn.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function alertCount(db: string): number {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return (
      conn.prepare("SELECT count(*) AS n FROM alerts WHERE rule_id = 'test-marker'").get() as { n: number }
    ).n;
  } catch {
    return 0;
  } finally {
    conn.close();
  }
}

describe('alert delivery survives SIGKILL', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-alerts-'));
  const db = join(dir, 'bw.db');
  let agent: RunningAgent | undefined;
  let server: Server | undefined;
  const tag = `bwmark${process.pid}`;

  after(async () => {
    await agent?.stop('SIGKILL');
    server?.closeAllConnections();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every alert raised before and after the crash is delivered', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const rulesDir = join(dir, 'rules');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(rulesDir);
    writeFileSync(
      join(rulesDir, 'marker.yaml'),
      `id: test-marker
name: test marker exec
severity: high
tags: [T1059]
title: marker {marker}
dedupe: marker
query: |
  SELECT id, pid, comm, type, json_extract(argv, '$[1]') AS marker
  FROM new_process_events
  WHERE type = 'exec' AND argv LIKE '%${tag}-%'
`,
    );
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `monitors:
  file: { enabled: false }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
rules:
  directory: ${rulesDir}
alerts:
  sinks:
    - name: hook
      type: webhook
      url: http://127.0.0.1:${port}/hook
      timeoutMs: 500
      retry: { baseMs: 100, maxMs: 400, maxAttempts: 1000 }
      breaker: { threshold: 3, cooldownMs: 300 }
`,
    );
    const markers: string[] = [];
    const fire = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const m = `${tag}-${markers.length}`;
        markers.push(m);
        await run('/bin/true', [m]);
      }
    };

    agent = await startAgent(['--db', db, '--config', config]);
    await fire(5);
    await eventually('5 alerts committed', () => (alertCount(db) >= 5 ? true : undefined), 15_000);
    const killed = await agent.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');

    agent = await startAgent(['--db', db, '--config', config]);
    await fire(3);
    await eventually('8 alerts committed', () => (alertCount(db) >= 8 ? true : undefined), 15_000);
    assert.equal(alertCount(db), 8, 'a restart neither re-raises nor skips');

    const got = new Map<string, number>();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const p = JSON.parse(body) as { details: { marker: string } };
        got.set(p.details.marker, (got.get(p.details.marker) ?? 0) + 1);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server?.listen(port, '127.0.0.1', r));
    await eventually(
      'all alerts delivered',
      () => (markers.every((m) => got.has(m)) ? true : undefined),
      20_000,
    );
    assert.deepEqual([...got.keys()].sort(), [...markers].sort());
    await agent.stop('SIGTERM');
    agent = undefined;
  });
});
