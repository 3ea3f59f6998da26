/**
 * Webhook delivery against a real local HTTP receiver that fails (500),
 * then hangs (timeouts), then recovers: retries back off, the circuit
 * breaker opens and closes, the alert arrives once recovered, and every
 * request carries a valid HMAC signature.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AlertsConfigSchema, RulesConfigSchema } from '../../../src/agent/detection/config.ts';
import { DetectionEngine } from '../../../src/agent/detection/engine.ts';
import { deliveriesOf, listAlerts } from '../../../src/store/alerts-store.ts';
import { upsertRule } from '../../../src/store/rules-store.ts';
import { eventually, sleep } from '../../support/spawn.ts';
import { insertExec, tempDb } from '../rules/helpers.ts';

const SECRET = 'test-secret';

interface Received {
  readonly at: number;
  readonly status: number;
  readonly body: string;
  readonly signatureOk: boolean;
}

function verify(req: IncomingMessage, body: string): boolean {
  const ts = String(req.headers['x-bpfwarden-timestamp'] ?? '');
  const sig = String(req.headers['x-bpfwarden-signature'] ?? '');
  const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
  return sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
}

describe('webhook sink with a real receiver', () => {
  let server: Server;
  let mode: 'fail' | 'hang' | 'ok' = 'fail';
  const received: Received[] = [];
  let ctx: ReturnType<typeof tempDb>;
  let engine: DetectionEngine;
  const logs: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const signatureOk = verify(req, body) && req.headers['x-custom'] === 'yes';
        if (mode === 'hang') {
          received.push({ at: Date.now(), status: 0, body, signatureOk });
          return; // never answer: the sender times out
        }
        const status = mode === 'fail' ? 500 : 204;
        received.push({ at: Date.now(), status, body, signatureOk });
        res.writeHead(status).end(mode === 'fail' ? 'receiver broken' : undefined);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    ctx = tempDb();
    upsertRule(
      ctx.db,
      {
        id: 'tmp-exec',
        name: 'exec from /tmp',
        description: '',
        severity: 'high',
        query: "SELECT id, pid, comm, path, type FROM new_events WHERE type = 'exec' AND path GLOB '/tmp/*'",
        title: 'exec {path}',
        tags: ['T1059'],
        dedupe: null,
        throttleMs: 0,
        enabled: true,
      },
      'cli',
      Date.now() * 1000,
    );
    engine = new DetectionEngine({
      db: ctx.db,
      dbPath: ctx.path,
      rules: RulesConfigSchema.parse({ directory: `${ctx.dir}/none`, intervalMs: 10 }),
      alerts: AlertsConfigSchema.parse({
        sinks: [
          {
            name: 'hook',
            type: 'webhook',
            url: `http://127.0.0.1:${port}/alerts`,
            secret: SECRET,
            headers: { 'x-custom': 'yes' },
            timeoutMs: 150,
            retry: { baseMs: 40, maxMs: 200, maxAttempts: 100 },
            breaker: { threshold: 3, cooldownMs: 400 },
          },
        ],
      }),
      log: (l) => logs.push(l),
    });
    engine.start();
  });

  after(async () => {
    await engine.stop();
    server.closeAllConnections();
    server.close();
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('fails, times out, then recovers; the breaker opens and closes; signatures verify', async () => {
    insertExec(ctx.db, { filename: '/tmp/dropper', comm: 'dropper' });
    await eventually('three failed attempts', () => (received.length >= 3 ? true : undefined), 5000);
    await eventually(
      'breaker open',
      () => (engine.dispatcher.breakerState('hook') === 'open' ? true : undefined),
      3000,
    );
    const opened = received.length;
    // While open, nothing is attempted.
    await sleep(250);
    assert.ok(received.length <= opened + 1, `attempts while open: ${received.length - opened}`);

    mode = 'hang';
    await eventually(
      'a timed-out trial',
      () => (received.some((r) => r.status === 0) ? true : undefined),
      3000,
    );
    await eventually(
      'timeout recorded',
      () => (deliveriesOf(ctx.db, 1)[0]?.lastError?.includes('timed out') ? true : undefined),
      3000,
    );

    mode = 'ok';
    await eventually(
      'delivered',
      () => (deliveriesOf(ctx.db, 1)[0]?.state === 'delivered' ? true : undefined),
      5000,
    );
    assert.equal(engine.dispatcher.breakerState('hook'), 'closed');
    const d = deliveriesOf(ctx.db, 1)[0];
    assert.ok(d && d.attempts >= 4, `attempts ${d?.attempts}`);
    assert.ok(
      received.every((r) => r.signatureOk),
      'every request is signed with the secret',
    );
    const ok = received.find((r) => r.status === 204);
    assert.ok(ok);
    const payload = JSON.parse(ok.body) as Record<string, unknown>;
    assert.equal(payload.rule, 'tmp-exec');
    assert.equal(payload.severity, 'high');
    assert.equal(payload.title, 'exec /tmp/dropper');
    assert.deepEqual(payload.tags, ['T1059']);
    // Backoff: the first failures are spaced apart, not hammered.
    const fails = received.filter((r) => r.status === 500).slice(0, 3);
    assert.ok((fails[2]?.at ?? 0) - (fails[0]?.at ?? 0) >= 40, 'retries back off');
    assert.ok(
      logs.some((l) => l.includes('circuit open')),
      logs.join('\n'),
    );
    assert.equal(listAlerts(ctx.db).length, 1);
  });

  test('a signature made with another secret does not verify', () => {
    const body = '{"x":1}';
    const bad = `sha256=${createHmac('sha256', 'other').update(`1.${body}`).digest('hex')}`;
    const good = `sha256=${createHmac('sha256', SECRET).update(`1.${body}`).digest('hex')}`;
    assert.notEqual(bad, good);
  });
});
