/**
 * gRPC end to end: the real agent process captures and alerts into its
 * database; this process serves gRPC over that database; a grpc-js client
 * streaming alerts and events receives the alert and the exec event its own
 * marker process caused, and reads the agent's status.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type ClientReadableStream, credentials, type ServiceError } from '@grpc/grpc-js';
import { readStatus } from '../../src/agent/status-file.ts';
import { AlertFeed, EventFeed } from '../../src/api/feed/index.ts';
import * as pb from '../../src/api/grpc/gen/bpfwarden/v1/bpfwarden.ts';
import { type GrpcServer, startGrpcServer } from '../../src/api/grpc/index.ts';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run } from '../support/spawn.ts';

function collect<T>(stream: ClientReadableStream<T>): { got: T[]; errors: ServiceError[] } {
  const c = { got: [] as T[], errors: [] as ServiceError[] };
  stream.on('data', (m: T) => c.got.push(m));
  stream.on('error', (e: ServiceError) => c.errors.push(e));
  return c;
}

describe('gRPC streams over a running agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-grpc-'));
  let agent: RunningAgent | undefined;
  let server: GrpcServer | undefined;
  let client: pb.BpfwardenClient | undefined;
  const feeds: { close(): void }[] = [];

  after(async () => {
    client?.close();
    await server?.close();
    for (const f of feeds) f.close();
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client receives the alert and the exec event of its own marker process', {
    timeout: 60_000,
  }, async () => {
    const tag = `bwgrpc${process.pid}`;
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(
      join(rulesDir, 'marker.yaml'),
      `id: test-grpc-marker
name: grpc marker exec
severity: critical
title: marker {marker}
dedupe: marker
query: |
  SELECT id, pid, json_extract(argv, '$[1]') AS marker
  FROM new_process_events
  WHERE type = 'exec' AND argv LIKE '%${tag}%'
`,
    );
    const db = join(dir, 'bw.db');
    const runtimeDir = join(dir, 'run');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `runtimeDir: ${runtimeDir}
monitors:
  file: { enabled: false }
  net: { enabled: false }
  drop: { enabled: false }
  dns: { enabled: false }
rules:
  directory: ${rulesDir}
  intervalMs: 200
api: { enabled: false }
`,
    );
    agent = await startAgent(['--db', db, '--config', config]);

    const events = new EventFeed({ database: db });
    const alerts = new AlertFeed({ database: db });
    feeds.push(events, alerts);
    server = await startGrpcServer({
      eventFeed: events,
      alertFeed: alerts,
      status: () => readStatus(runtimeDir),
      listen: { socket: join(dir, 'grpc.sock') },
    });
    client = new pb.BpfwardenClient(server.address, credentials.createInsecure());
    const alertStream = collect(client.streamAlerts({ minSeverity: pb.Severity.SEVERITY_HIGH, ruleId: '' }));
    const eventStream = collect(client.streamEvents({ types: ['exec'], comm: 'true' }));
    await eventually('both streams subscribed', () =>
      events.subscribers === 1 && alerts.subscribers === 1 ? true : undefined,
    );

    const marker = `${tag}-${Date.now()}`;
    const child = await run('/bin/true', [marker]);
    const exec = await eventually(
      'the marker exec event',
      () => eventStream.got.find((e) => e.pid === child.pid),
      10_000,
    );
    assert.equal(exec.type, 'exec');
    assert.equal(exec.comm, 'true');
    const details = JSON.parse(exec.detailsJson) as { filename: string; argv: string[] };
    assert.equal(details.filename, '/bin/true');
    assert.equal(details.argv[1], marker);
    assert.ok(
      eventStream.got.every((e) => e.type === 'exec' && e.comm === 'true'),
      'only what the filter allows',
    );

    const alert = await eventually(
      'the marker alert',
      () => alertStream.got.find((a) => (JSON.parse(a.detailsJson) as { marker?: string }).marker === marker),
      15_000,
    );
    assert.equal(alert.ruleId, 'test-grpc-marker');
    assert.equal(alert.severity, pb.Severity.SEVERITY_CRITICAL);
    assert.equal(alert.title, `marker ${marker}`);
    assert.ok(alert.eventIds.includes(exec.id), 'the alert names the event the client saw');
    assert.deepEqual(alertStream.errors, []);
    assert.deepEqual(eventStream.errors, []);

    const c = client;
    const getStatus = (): Promise<pb.Status> =>
      new Promise((resolve, reject) => c.getStatus({}, (err, s) => (err ? reject(err) : resolve(s))));
    // The agent writes its status file once a second: wait for one written after the marker ran.
    let status = await getStatus();
    const until = Date.now() + 5000;
    while ((status.store?.stored ?? 0) < exec.id && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      status = await getStatus();
    }
    assert.equal(status.pid, agent.child.pid);
    const proc = status.monitors.find((m) => m.name === 'process');
    assert.equal(proc?.state, 'running');
    assert.ok(
      (proc?.events ?? 0) > 0 && (status.store?.stored ?? 0) > 0,
      'the status counts what was captured',
    );
    console.log(
      `# exec ${exec.id} and alert ${alert.id} streamed; agent stored ${status.store?.stored} rows`,
    );
    await agent.stop('SIGTERM');
    agent = undefined;
  });
});
