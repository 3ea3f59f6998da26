/**
 * The gRPC server with a real grpc-js client (the generated stubs) over a
 * real database written by the store code: streams with filters and resume,
 * status, the socket's mode, bearer tokens on TCP, clean ends.
 */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { type TestContext, test } from 'node:test';
import { type ClientReadableStream, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { AlertFeed, EventFeed } from '../../../src/api/feed/index.ts';
import * as pb from '../../../src/api/grpc/gen/bpfwarden/v1/bpfwarden.ts';
import {
  GrpcConfigSchema,
  type GrpcServer,
  grpcListens,
  type StatusProvider,
  startGrpcServer,
} from '../../../src/api/grpc/index.ts';
import type { StatusSnapshot } from '../../../src/domain/contracts/status.ts';
import type { Severity } from '../../../src/domain/rules/rule.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { eventually } from '../../support/spawn.ts';
import { execEvent, exitEvent, forkEvent, T0_US, tempDir } from '../store/fixtures.ts';

const TOKEN = 'correct-horse-battery-staple';

interface Env {
  readonly dir: string;
  readonly db: DatabaseSync;
  readonly events: EventFeed;
  readonly alerts: AlertFeed;
  write(events: BpfEvent[]): void;
  alert(ruleId: string, severity: Severity, title: string): void;
  serve(
    listen: Parameters<typeof startGrpcServer>[0]['listen'],
    statusProvider?: StatusProvider,
  ): Promise<GrpcServer>;
}

function env(t: TestContext): Env {
  const dir = tempDir(t);
  const path = join(dir, 'bw.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  const events = new EventFeed({ database: path, pollMs: 20 });
  const alerts = new AlertFeed({ database: path, pollMs: 20 });
  t.after(() => {
    events.close();
    alerts.close();
    db.close();
  });
  let n = 0;
  return {
    dir,
    db,
    events,
    alerts,
    write(e) {
      writer.enqueue(e);
      writer.flush();
    },
    alert(ruleId, severity, title) {
      n++;
      db.exec('BEGIN');
      insertAlerts(
        db,
        [
          {
            draft: {
              timeUs: T0_US + n,
              ruleId,
              severity,
              title,
              details: { marker: title },
              eventIds: [n],
              eventTypes: ['exec'],
              dedupeKey: String(n),
              tags: ['T1059'],
            },
            sinks: [],
            throttleMs: 0,
          },
        ],
        T0_US,
      );
      db.exec('COMMIT');
    },
    async serve(listen, statusProvider = () => undefined) {
      const server = await startGrpcServer({
        eventFeed: events,
        alertFeed: alerts,
        status: statusProvider,
        listen,
      });
      t.after(() => server.close());
      return server;
    },
  };
}

function client(t: TestContext, address: string): pb.BpfwardenClient {
  const c = new pb.BpfwardenClient(address, credentials.createInsecure());
  t.after(() => c.close());
  return c;
}

/** Everything a stream sends, and how it ended. */
function drain<T>(stream: ClientReadableStream<T>): {
  got: T[];
  ended: Promise<{ code: number; details: string }>;
} {
  const got: T[] = [];
  stream.on('data', (m: T) => got.push(m));
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details }));
    stream.on('status', (s: { code: number; details: string }) => {
      if (s.code === status.OK) resolve({ code: s.code, details: s.details });
    });
  });
  return { got, ended };
}

function unary<T>(f: (cb: (err: ServiceError | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
}

test('StreamAlerts delivers alerts the alert store commits, at or above the minimum severity', async (t) => {
  const e = env(t);
  const server = await e.serve({ socket: join(e.dir, 'grpc.sock') });
  const c = client(t, server.address);
  const s = drain(c.streamAlerts({ minSeverity: pb.Severity.SEVERITY_HIGH, ruleId: '' }));
  await eventually('subscribed', () => (e.alerts.subscribers === 1 ? true : undefined));
  e.alert('noisy', 'low', 'quiet one');
  e.alert('shell', 'critical', 'loud one');
  await eventually('one alert', () => (s.got.length === 1 ? true : undefined));
  const a = s.got[0]!;
  assert.equal(a.ruleId, 'shell');
  assert.equal(a.severity, pb.Severity.SEVERITY_CRITICAL);
  assert.equal(a.title, 'loud one');
  assert.deepEqual(JSON.parse(a.detailsJson), { marker: 'loud one' });
  assert.deepEqual(a.tags, ['T1059']);
  assert.ok(a.id > 0 && a.eventIds.length === 1);
  // The client cancels: the server lets go of its subscription.
  const rest = drain(c.streamAlerts({ minSeverity: 0, ruleId: 'noisy', afterId: 0 }));
  await eventually('resumed from 0', () => (rest.got.length === 1 ? true : undefined));
  assert.equal(rest.got[0]?.title, 'quiet one');
  assert.equal(e.alerts.subscribers, 2);
  const cancelled = c.streamAlerts({ minSeverity: 0, ruleId: '' });
  const end = drain(cancelled).ended;
  await eventually('third', () => (e.alerts.subscribers === 3 ? true : undefined));
  cancelled.cancel();
  assert.equal((await end).code, status.CANCELLED);
  await eventually('released', () => (e.alerts.subscribers === 2 ? true : undefined));
});

test('StreamEvents sends only the events its filter matches, with their own fields', async (t) => {
  const e = env(t);
  const server = await e.serve({ socket: join(e.dir, 'grpc.sock') });
  const c = client(t, server.address);
  const s = drain(c.streamEvents({ types: ['exec', 'exit'], pid: 4242, comm: 'curl' }));
  await eventually('subscribed', () => (e.events.subscribers === 1 ? true : undefined));
  e.write([
    execEvent({ timeUs: T0_US + 1 }),
    execEvent({ timeUs: T0_US + 2, pid: 5 }),
    forkEvent({ timeUs: T0_US + 3, pid: 4242, comm: 'curl' }),
    exitEvent({ timeUs: T0_US + 4, pid: 4242, comm: 'curl' }),
    exitEvent({ timeUs: T0_US + 5, pid: 4242, comm: 'wget' }),
  ]);
  await eventually('two events', () => (s.got.length === 2 ? true : undefined));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    s.got.map((m) => [m.type, m.pid, m.comm]),
    [
      ['exec', 4242, 'curl'],
      ['exit', 4242, 'curl'],
    ],
  );
  const exec = s.got[0]!;
  assert.equal(exec.timeUs, T0_US + 1);
  assert.equal(exec.cgroupId, 9876);
  const details = JSON.parse(exec.detailsJson) as { filename: string; argv: string[] };
  assert.equal(details.filename, '/usr/bin/curl');
  assert.deepEqual(details.argv, ['curl', '-s', 'https://example.com/a b', "it's"]);
  // Resume from the first match: the backlog after it, then nothing twice.
  const resumed = drain(c.streamEvents({ types: [], afterId: exec.id }));
  await eventually('backlog', () => (resumed.got.length === 4 ? true : undefined));
  assert.deepEqual(
    resumed.got.map((m) => m.id),
    [exec.id + 1, exec.id + 2, exec.id + 3, exec.id + 4],
  );
});

test('invalid filters are INVALID_ARGUMENT naming the field', async (t) => {
  const e = env(t);
  const server = await e.serve({ socket: join(e.dir, 'grpc.sock') });
  const c = client(t, server.address);
  const bad = async (stream: ClientReadableStream<unknown>, field: string): Promise<void> => {
    const r = await drain(stream).ended;
    assert.equal(r.code, status.INVALID_ARGUMENT, field);
    assert.match(r.details, new RegExp(`^${field}: `));
  };
  await bad(c.streamEvents({ types: ['exec', 'teleport'] }), 'types');
  await bad(c.streamEvents({ types: [], comm: 'x'.repeat(40) }), 'comm');
  await bad(c.streamAlerts({ minSeverity: 9 as pb.Severity, ruleId: '' }), 'min_severity');
  assert.equal(e.events.subscribers + e.alerts.subscribers, 0);
});

test('GetStatus maps the agent status; the socket is root-only', async (t) => {
  const e = env(t);
  const snapshot: StatusSnapshot = {
    pid: 1234,
    startedAtMs: 1000,
    updatedAtMs: 2000,
    database: '/var/lib/bpfwarden/bw.db',
    monitors: [
      {
        name: 'process',
        state: 'running',
        events: 99,
        kernelDrops: 2,
        decodeErrors: 1,
        attached: ['sched/sched_process_exec'],
        counters: { missedRuns: 3 },
        eventsPerSecond: 7,
      },
      {
        name: 'file',
        state: 'failed',
        error: 'no tracepoint',
        events: 0,
        kernelDrops: 0,
        decodeErrors: 0,
        attached: [],
        eventsPerSecond: 0,
      },
    ],
    store: {
      stored: 98,
      queued: 1,
      queueDropped: 0,
      writeFailures: 0,
      latencyMs: { p50: 1.5, p99: 9, max: 12, count: 98 },
    },
    retention: { deletedByAge: 4, deletedBySize: 0, failures: 0 },
  };
  let current: StatusSnapshot | undefined;
  const sock = join(e.dir, 'grpc.sock');
  const server = await e.serve({ socket: sock }, () => current);
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  const c = client(t, server.address);
  await assert.rejects(
    unary<pb.Status>((cb) => c.getStatus({}, cb)),
    (err: ServiceError) => err.code === status.UNAVAILABLE,
  );
  current = snapshot;
  const s = await unary<pb.Status>((cb) => c.getStatus({}, cb));
  assert.equal(s.pid, 1234);
  assert.deepEqual(
    s.monitors.map((m) => [m.name, m.state, m.events, m.error]),
    [
      ['process', 'running', 99, ''],
      ['file', 'failed', 0, 'no tracepoint'],
    ],
  );
  assert.deepEqual(s.monitors[0]?.counters, { missedRuns: 3 });
  assert.equal(s.store?.stored, 98);
  assert.deepEqual(s.store?.latencyMs, { p50: 1.5, p99: 9, max: 12, count: 98 });
  assert.equal(s.retention?.deletedByAge, 4);
});

test('TCP needs the bearer token on every call; a wrong one is refused', async (t) => {
  const e = env(t);
  await assert.rejects(e.serve({ host: '127.0.0.1', port: 0, token: 'short' }), { code: 'GRPC_CONFIG' });
  const server = await e.serve({ host: '127.0.0.1', port: 0, token: TOKEN }, () => ({
    pid: 1,
    startedAtMs: 0,
    updatedAtMs: 0,
    database: 'x',
    monitors: [],
    store: { stored: 0, queued: 0, queueDropped: 0, writeFailures: 0 },
    retention: { deletedByAge: 0, deletedBySize: 0, failures: 0 },
  }));
  assert.ok(server.port && server.port > 0);
  assert.equal(server.address, `127.0.0.1:${server.port}`);
  const c = client(t, server.address);
  const md = (v?: string): Metadata => {
    const m = new Metadata();
    if (v !== undefined) m.set('authorization', v);
    return m;
  };
  for (const [what, m] of [
    ['no token', md()],
    ['wrong token', md(`Bearer ${TOKEN}x`)],
    ['wrong scheme', md(`Basic ${TOKEN}`)],
  ] as const) {
    await assert.rejects(
      unary<pb.Status>((cb) => c.getStatus({}, m, cb)),
      (err: ServiceError) => err.code === status.UNAUTHENTICATED,
      what,
    );
    const r = await drain(c.streamEvents({ types: [] }, m)).ended;
    assert.equal(r.code, status.UNAUTHENTICATED, `${what} (stream)`);
  }
  assert.equal(e.events.subscribers, 0, 'a refused stream never subscribes');
  const ok = await unary<pb.Status>((cb) => c.getStatus({}, md(`Bearer ${TOKEN}`), cb));
  assert.equal(ok.pid, 1);
  const s = drain(c.streamEvents({ types: ['exec'] }, md(`Bearer ${TOKEN}`)));
  await eventually('subscribed', () => (e.events.subscribers === 1 ? true : undefined));
  e.write([execEvent({ timeUs: T0_US })]);
  await eventually('event over TCP', () => (s.got.length === 1 ? true : undefined));
});

test('closing the server ends open streams with OK and removes the socket', async (t) => {
  const e = env(t);
  const sock = join(e.dir, 'grpc.sock');
  const server = await e.serve({ socket: sock });
  const c = client(t, server.address);
  const a = drain(c.streamAlerts({ minSeverity: 0, ruleId: '' }));
  const ev = drain(c.streamEvents({ types: [] }));
  await eventually('both subscribed', () =>
    e.alerts.subscribers + e.events.subscribers === 2 ? true : undefined,
  );
  await server.close();
  assert.equal((await a.ended).code, status.OK);
  assert.equal((await ev.ended).code, status.OK);
  assert.equal(e.alerts.subscribers + e.events.subscribers, 0);
  assert.throws(() => statSync(sock), { code: 'ENOENT' });
  // A socket left behind by a crash is replaced; a live one is refused.
  const again = await e.serve({ socket: sock });
  await assert.rejects(e.serve({ socket: sock }), { code: 'GRPC_LISTEN' });
  await again.close();
});

test('a client that stops reading is ended RESOURCE_EXHAUSTED; it resumes with after_id', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'bw.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  const events = new EventFeed({ database: path, pollMs: 20, queueLimit: 200 });
  const alerts = new AlertFeed({ database: path, pollMs: 20 });
  t.after(() => {
    events.close();
    alerts.close();
    db.close();
  });
  const server = await startGrpcServer({
    eventFeed: events,
    alertFeed: alerts,
    status: () => undefined,
    listen: { socket: join(dir, 'grpc.sock') },
  });
  t.after(() => server.close());
  const c = client(t, server.address);
  const stream = c.streamEvents({ types: [] });
  const got: pb.Event[] = [];
  stream.on('data', (m: pb.Event) => got.push(m));
  const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  await eventually('subscribed', () => (events.subscribers === 1 ? true : undefined));
  stream.pause();
  // Enough bytes to fill the transport's windows, then the feed's queue.
  const argv = ['x'.repeat(2000)];
  for (let i = 0; i < 20; i++) {
    writer.enqueue(Array.from({ length: 200 }, (_, k) => execEvent({ timeUs: T0_US + i * 200 + k, argv })));
    writer.flush();
    await new Promise((r) => setTimeout(r, 25));
  }
  await eventually('dropped', () => (events.subscribers === 0 ? true : undefined), 5000);
  stream.resume();
  const err = await ended;
  assert.equal(err.code, status.RESOURCE_EXHAUSTED);
  assert.match(err.details, /after_id/);
  const last = got.at(-1)?.id ?? 0;
  assert.ok(got.length > 0 && got.length < 4000, `${got.length} received before the end`);
  const rest = drain(c.streamEvents({ types: [], afterId: last }));
  await eventually(
    'the rest after resuming',
    () => (got.length + rest.got.length === 4000 ? true : undefined),
    10_000,
  );
  assert.equal(rest.got[0]?.id, last + 1, 'nothing lost, nothing repeated');
});

test('grpc config: socket by default, TCP only with a token, files read, mistakes named', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(grpcListens(GrpcConfigSchema.parse({}), '/run/bw'), [{ socket: '/run/bw/grpc.sock' }]);
  assert.deepEqual(grpcListens(GrpcConfigSchema.parse({ enabled: false }), '/run/bw'), []);
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  assert.deepEqual(
    grpcListens(GrpcConfigSchema.parse({ socket: '/tmp/g.sock', tcp: { port: 9444, tokenFile } }), '/x'),
    [{ socket: '/tmp/g.sock' }, { host: '127.0.0.1', port: 9444, token: TOKEN, maxConnections: 128 }],
  );
  const r = GrpcConfigSchema.safeParse({ tcp: { port: 9444 } });
  assert.equal(r.success, false);
  assert.match(r.error?.issues[0]?.message ?? '', /grpc\.tcp\.token or grpc\.tcp\.tokenFile/);
  writeFileSync(tokenFile, 'short\n');
  assert.throws(() => grpcListens(GrpcConfigSchema.parse({ tcp: { port: 1, tokenFile } }), '/x'), {
    code: 'GRPC_CONFIG',
  });
});

test('a TCP listener holds at most maxConnections connections, before any token is checked', async (t) => {
  const e = env(t);
  const server = await e.serve({ host: '127.0.0.1', port: 0, token: TOKEN, maxConnections: 3 });
  const socks: Socket[] = [];
  t.after(() => {
    for (const s of socks) s.destroy();
  });
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: 12 },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(server.port as number, '127.0.0.1', () => resolve());
          s.resume();
          s.on('error', () => resolve());
          s.on('close', () => {
            closed++;
            resolve();
          });
          socks.push(s);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(12 - closed, 3, `${12 - closed} connections held`);
});
