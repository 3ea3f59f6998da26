/**
 * The limits of live streams: the slot budget, the write guard (bytes queued
 * and drain timeout), the shared SSE encoding, and an SSE subscriber over
 * the cap answered 503 in the API's error shape.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { AlertFeed, EventFeed } from '../../../src/api/feed/index.ts';
import { SseEncoder } from '../../../src/api/http/sse-frames.ts';
import { StreamSlots, WriteGuard } from '../../../src/api/streams/index.ts';
import { startTestApi } from './support.ts';

class FakeStream extends EventEmitter {
  writableLength = 0;
}

test('slots: at most max at once, each released once; refusals and cuts are counted', () => {
  const slots = new StreamSlots(2);
  const a = slots.acquire();
  const b = slots.acquire();
  assert.ok(a && b);
  assert.equal(slots.acquire(), undefined);
  a();
  a();
  assert.equal(slots.stats().open, 1);
  assert.ok(slots.acquire());
  slots.cut('stalled');
  assert.deepEqual(slots.stats(), {
    open: 2,
    max: 2,
    rejected: 1,
    cuts: { lagged: 0, buffer: 0, stalled: 1 },
  });
});

test('write guard: an empty queue takes any write; a queue past the bound cuts', () => {
  const s = new FakeStream();
  const cuts: string[] = [];
  const g = new WriteGuard(s, { maxQueued: 100, drainTimeoutMs: 60_000, onCut: (r) => cuts.push(r) });
  assert.equal(g.admit(500), true, 'one delivery larger than the bound goes out');
  s.writableLength = 60;
  assert.equal(g.admit(40), true);
  assert.equal(g.admit(41), false);
  assert.deepEqual(cuts, ['buffer']);
  assert.equal(g.admit(1), false, 'cut for good');
  assert.deepEqual(cuts, ['buffer'], 'cut once');
});

test('write guard: a refused write must drain within the timeout', async () => {
  const s = new FakeStream();
  const cuts: string[] = [];
  const g = new WriteGuard(s, { maxQueued: 100, drainTimeoutMs: 50, onCut: (r) => cuts.push(r) });
  g.wrote(false);
  await new Promise((r) => setTimeout(r, 20));
  s.emit('drain');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(cuts, [], 'drained in time');
  g.wrote(false);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(cuts, ['stalled']);
  assert.equal(s.listenerCount('drain'), 0, 'stops watching once cut');
});

test('SSE encoder: one serialisation per row and per shared batch', () => {
  const enc = new SseEncoder<{ id: number; x: string }>('event');
  const rows = [
    { id: 1, x: 'a' },
    { id: 2, x: 'b' },
  ];
  const b = enc.batch(rows);
  assert.equal(
    b.toString(),
    'id: 1\nevent: event\ndata: {"id":1,"x":"a"}\n\nid: 2\nevent: event\ndata: {"id":2,"x":"b"}\n\n',
  );
  assert.equal(enc.batch(rows), b, 'the same array: the same Buffer');
  assert.equal(enc.batch([...rows]), b, 'the same rows in another array: still shared');
  const first = rows[0] as { id: number; x: string };
  first.x = 'changed';
  assert.match(enc.batch([first]).toString(), /"x":"a"/, 'a row is serialised once');
  assert.notEqual(enc.batch([first]), b);
});

/** The status line of an SSE request sent on a raw connection, which stays open. */
function open(socket: string): Promise<{ line: string; conn: Socket }> {
  return new Promise((resolve, reject) => {
    const conn = connect({ path: socket }, () =>
      conn.write('GET /api/v1/events/stream HTTP/1.1\r\nHost: agent\r\n\r\n'),
    );
    conn.once('error', reject);
    conn.once('data', (d: Buffer) => resolve({ line: d.toString('latin1').split('\r\n')[0] ?? '', conn }));
  });
}

test('SSE: a subscriber over the cap gets 503 TOO_MANY_STREAMS; a freed slot is taken again', async (t) => {
  const slots = new StreamSlots(1);
  const api = await startTestApi(t, (dbPath) => ({
    feeds: {
      events: new EventFeed({ database: dbPath, pollMs: 20 }),
      alerts: new AlertFeed({ database: dbPath, pollMs: 20 }),
    },
    streams: slots,
  }));
  const socket = api.listeners.socket as string;
  const first = await open(socket);
  t.after(() => first.conn.destroy());
  assert.equal(first.line, 'HTTP/1.1 200 OK');
  const over = await api.get('/api/v1/events/stream');
  assert.equal(over.status, 503);
  assert.equal(over.json<{ error: { code: string } }>().error.code, 'TOO_MANY_STREAMS');
  first.conn.destroy();
  for (let i = 0; i < 100 && slots.stats().open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const again = await open(socket);
  again.conn.destroy();
  assert.equal(again.line, 'HTTP/1.1 200 OK');
  assert.equal(slots.stats().rejected, 1);
});
