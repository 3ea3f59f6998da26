/** The bench's API probe against a real HTTP server on a Unix socket: latency, pace and failures. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiProbe } from '../../../bench/lib/api-probe.ts';

test('measures each GET events, alternating the filtered listing, and counts failures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-probe-'));
  const socket = join(dir, 'api.sock');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    // Every third request fails; the others answer after 30 ms.
    if (seen.length % 3 === 0) {
      res.writeHead(500).end();
      return;
    }
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"events":[]}'), 30);
  });
  await new Promise<void>((r) => server.listen(socket, r));
  try {
    const probe = await ApiProbe.start(socket, 'open', 50);
    await new Promise((r) => setTimeout(r, 600));
    const f = await probe.stop();
    assert.ok(f.requests >= 6 && f.requests <= 30, `${f.requests} requests in 0.6 s at 50/s`);
    // The first request is the warm-up, apart from the figures.
    assert.ok((f.coldMs ?? 0) >= 29, `cold ${f.coldMs}`);
    assert.equal(f.requests, seen.length - 1);
    assert.equal(f.failures, Math.floor(seen.length / 3));
    assert.ok((f.p50Ms ?? 0) >= 29 && (f.p99Ms ?? 0) >= (f.p50Ms ?? 0), JSON.stringify(f));
    assert.equal(seen[0], '/api/v1/events?limit=100');
    assert.equal(seen[1], '/api/v1/events?limit=100');
    assert.equal(seen[2], '/api/v1/events?type=open&limit=100');
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no agent socket: every request is a failure, no latency', async () => {
  const probe = await ApiProbe.start('/nonexistent/bw-api.sock', 'exec', 100);
  await new Promise((r) => setTimeout(r, 100));
  const f = await probe.stop();
  assert.ok(f.requests >= 1);
  assert.equal(f.failures, f.requests);
  assert.equal(f.p99Ms, null);
  assert.equal(f.coldMs, null);
});
