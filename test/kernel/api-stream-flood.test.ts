/**
 * A real agent under a file-open storm with 1,000 SSE subscribers on its
 * Unix-socket API and a few gRPC streams that never read: its memory stays
 * bounded, the non-readers are cut within seconds (SSE: the connection
 * closes; gRPC: RST_STREAM ENHANCE_YOUR_CALM), a reading subscriber keeps
 * receiving events throughout, queries keep answering, and a stream over
 * api.maxStreams is refused (503 / RESOURCE_EXHAUSTED).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type ClientHttp2Session, type ClientHttp2Stream, constants, connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Agent as Dispatcher, request } from 'undici';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { sleep } from '../support/spawn.ts';

const NON_READERS = 1000;
const GRPC_NON_READERS = 8;
/** Every non-reader, the reader and the gRPC streams: exactly the cap, so one more is refused. */
const MAX_STREAMS = NON_READERS + 1 + GRPC_NON_READERS;
const STORM_MS = 20_000;
/** A first storm with only the reader, so the agent's own memory for a storm (store, caches, heap) is in the baseline. */
const WARM_UP_MS = 15_000;
const OPENS_PER_SECOND = 5000;
const MiB = 1024 * 1024;

/** Opens argv[1] (a file) about argv[2] times a second until killed. */
const STORM = `
const fs = require('node:fs');
const path = process.argv[1], rate = Number(process.argv[2]);
const perTick = Math.ceil(rate / 100);
setInterval(() => { for (let i = 0; i < perTick; i++) fs.closeSync(fs.openSync(path, 'r')); }, 10);
`;

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS in /proc/PID/status');
  return Number(m[1]) * 1024;
}

const GET_STREAM = 'GET /api/v1/events/stream HTTP/1.1\r\nHost: agent\r\nAccept: text/event-stream\r\n\r\n';

/** An SSE subscriber that reads the response head and then stops reading. */
function nonReader(socket: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: socket });
    s.once('error', reject);
    s.once('connect', () => s.write(GET_STREAM));
    s.once('data', (head: Buffer) => {
      s.pause();
      const line = head.toString('latin1').split('\r\n')[0];
      if (line !== 'HTTP/1.1 200 OK') reject(new Error(`stream answered ${line}`));
      else resolve(s);
    });
  });
}

/** A reading subscriber: counts event frames per second since it opened. */
function reader(socket: string): { socket: Socket; perSecond: Map<number, number>; closed: () => boolean } {
  const s = connect({ path: socket }, () => s.write(GET_STREAM));
  const perSecond = new Map<number, number>();
  let closed = false;
  let tail = '';
  s.setEncoding('utf8');
  s.on('data', (text: string) => {
    const all = tail + text;
    const n = all.split('\nevent: event\n').length - 1;
    tail = all.slice(-16);
    const sec = Math.floor(Date.now() / 1000);
    perSecond.set(sec, (perSecond.get(sec) ?? 0) + n);
  });
  s.on('close', () => {
    closed = true;
  });
  return { socket: s, perSecond, closed: () => closed };
}

/** A raw gRPC StreamEvents call (empty filter) that never reads its messages. */
function grpcNonReader(session: ClientHttp2Session): ClientHttp2Stream {
  const req = session.request({
    ':method': 'POST',
    ':path': '/bpfwarden.v1.Bpfwarden/StreamEvents',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  // One message: not compressed, length 0 (an EventFilter with every field at its default).
  req.end(Buffer.alloc(5));
  req.pause();
  return req;
}

function h2session(path: string): ClientHttp2Session {
  const s = h2connect('http://agent', { createConnection: () => connect({ path }) });
  s.on('error', () => {});
  return s;
}

describe('live streams that never read do not hold the agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-streams-'));
  const run = join(dir, 'run');
  const socket = join(run, 'api.sock');
  const grpcSocket = join(run, 'grpc.sock');
  const stormDir = join(dir, 'storm');
  let agent: RunningAgent | undefined;
  let storm: ChildProcess | undefined;
  const sockets: Socket[] = [];
  const sessions: ClientHttp2Session[] = [];
  const dispatcher = new Dispatcher({ connect: { socketPath: socket } });
  after(async () => {
    storm?.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    for (const s of sessions) s.destroy();
    await dispatcher.close();
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const metric = async (name: string): Promise<number> => {
    const r = await request('http://agent/metrics', { dispatcher });
    const text = await r.body.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').at(-1));
    }
    return sum;
  };

  test(`${NON_READERS} SSE and ${GRPC_NON_READERS} gRPC non-readers under a file-open storm`, {
    timeout: 180_000,
  }, async (t) => {
    mkdirSync(stormDir);
    const target = join(stormDir, 'target');
    writeFileSync(target, 'x');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `database: ${join(dir, 'a.db')}\nruntimeDir: ${run}\n` +
        `api: { maxConnections: ${NON_READERS + 64}, maxStreams: ${MAX_STREAMS} }\n` +
        `monitors:\n  file: { pathPrefixes: [${stormDir}/] }\n  net: { enabled: false }\n` +
        '  drop: { enabled: false }\n  dns: { enabled: false }\n',
    );
    agent = await startAgent(['--config', config]);
    const pid = agent.child.pid as number;
    const rssStart = rssBytes(pid);

    const live = reader(socket);
    sockets.push(live.socket);
    const stormArgs = ['-e', STORM, target, String(OPENS_PER_SECOND)];
    storm = spawn(process.execPath, stormArgs, { stdio: 'ignore' });
    await sleep(WARM_UP_MS);
    storm.kill('SIGKILL');
    storm = undefined;
    await sleep(1000);
    const rssWarm = rssBytes(pid);
    for (let i = 0; i < NON_READERS; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => nonReader(socket)));
      sockets.push(...batch);
    }
    const nonReaders = sockets.slice(1);
    const grpcStreams = Array.from({ length: GRPC_NON_READERS }, () => {
      const session = h2session(grpcSocket);
      sessions.push(session);
      return grpcNonReader(session);
    });
    const grpcClosed = grpcStreams.map(
      (s) => new Promise<number>((resolve) => s.on('close', () => resolve(s.rstCode ?? -1))),
    );
    for (const s of grpcStreams) s.on('error', () => {});
    const until = Date.now() + 10_000;
    while ((await metric('bpfwarden_api_streams_open')) < MAX_STREAMS) {
      assert.ok(Date.now() < until, 'every stream was opened');
      await sleep(100);
    }

    // The cap: one more SSE subscriber is a 503 in the API's error shape, one more gRPC call RESOURCE_EXHAUSTED.
    const over = await request('http://agent/api/v1/events/stream', { dispatcher });
    assert.equal(over.statusCode, 503);
    const body = (await over.body.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'TOO_MANY_STREAMS');
    assert.match(body.error.message, /api\.maxStreams/);
    const extraSession = h2session(grpcSocket);
    sessions.push(extraSession);
    const extra = grpcNonReader(extraSession);
    const extraHeaders = await new Promise<Record<string, unknown>>((resolve) =>
      extra.on('response', resolve),
    );
    assert.equal(extraHeaders['grpc-status'], '8', 'RESOURCE_EXHAUSTED over the cap');
    assert.equal(await metric('bpfwarden_api_stream_rejected_total'), 2);

    const rssBefore = rssBytes(pid);
    const stormStart = Date.now();
    storm = spawn(process.execPath, stormArgs, { stdio: 'ignore' });
    let rssPeak = rssBefore;
    let allCutAt: number | undefined;
    const queryMs: number[] = [];
    while (Date.now() - stormStart < STORM_MS) {
      rssPeak = Math.max(rssPeak, rssBytes(pid));
      const t0 = Date.now();
      const r = await request('http://agent/api/v1/events?limit=100', {
        dispatcher,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      assert.equal(r.statusCode, 200);
      await r.body.dump();
      queryMs.push(Date.now() - t0);
      if (allCutAt === undefined && (await metric('bpfwarden_api_streams_open')) === 1) allCutAt = Date.now();
      await sleep(500);
    }
    const rssAfter = rssBytes(pid);
    const heap = await metric('nodejs_heap_size_used_bytes');
    const external = await metric('nodejs_external_memory_bytes');
    storm.kill('SIGKILL');
    storm = undefined;
    const stored = await metric('bpfwarden_store_rows_total');
    const cuts = await metric('bpfwarden_api_stream_cut_total');
    t.diagnostic(
      `agent RSS: ${(rssStart / MiB).toFixed(0)} MiB at start, ${(rssWarm / MiB).toFixed(0)} after a warm-up storm, ` +
        `${(rssBefore / MiB).toFixed(0)} with the streams open, ` +
        `peak ${(rssPeak / MiB).toFixed(0)}, ${(rssAfter / MiB).toFixed(0)} after ${STORM_MS / 1000} s; ` +
        `${stored} rows stored; ${cuts} streams cut, all by ${allCutAt === undefined ? 'never' : `${allCutAt - stormStart} ms`}; ` +
        `slowest query ${Math.max(...queryMs)} ms; main-thread heap ${(heap / MiB).toFixed(0)} MiB, external ${(external / MiB).toFixed(0)} MiB`,
    );
    assert.ok(stored > ((WARM_UP_MS + STORM_MS) / 1000) * 1000, `the storms were recorded (${stored} rows)`);
    assert.ok(rssAfter - rssBefore < 100 * MiB, `RSS grew ${((rssAfter - rssBefore) / MiB).toFixed(0)} MiB`);
    assert.ok(
      rssPeak - rssBefore < 100 * MiB,
      `RSS peaked ${((rssPeak - rssBefore) / MiB).toFixed(0)} MiB up`,
    );
    assert.ok(Math.max(...queryMs) < 5000, `a query took ${Math.max(...queryMs)} ms during the storm`);
    assert.ok(
      allCutAt !== undefined && allCutAt - stormStart < 15_000,
      'every non-reader was cut within seconds',
    );
    assert.equal(cuts, NON_READERS + GRPC_NON_READERS);

    // The cuts as the clients see them: an SSE non-reader that reads now finds its buffered bytes, then the end.
    const closedSse = await Promise.all(
      nonReaders.map(
        (s) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), 5000);
            s.once('close', () => {
              clearTimeout(timer);
              resolve(true);
            });
            s.resume();
          }),
      ),
    );
    assert.equal(closedSse.filter(Boolean).length, NON_READERS, 'every SSE non-reader was disconnected');
    const rst = await Promise.all(grpcClosed);
    assert.deepEqual(
      rst,
      grpcStreams.map(() => constants.NGHTTP2_ENHANCE_YOUR_CALM),
      'every gRPC non-reader was reset',
    );

    // The reader was served throughout: events in every second of the storm after its first.
    assert.equal(live.closed(), false, 'the reading subscriber is still open');
    const first = Math.floor(stormStart / 1000) + 1;
    const last = Math.floor((stormStart + STORM_MS) / 1000) - 1;
    const empty: number[] = [];
    for (let sec = first; sec <= last; sec++) if (!live.perSecond.get(sec)) empty.push(sec - first + 1);
    assert.deepEqual(empty, [], 'seconds of the storm in which the reader got no event');

    // The slots came back: a new subscriber is accepted.
    const again = await nonReader(socket);
    sockets.push(again);
    const stopped = await agent.stop();
    assert.equal(stopped.code, 0);
    assert.doesNotMatch(agent.stderr(), /EMFILE|too many open files/i);
    agent = undefined;
  });
});
