import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Agent as Dispatcher, request } from 'undici';
import { ApiConfigSchema } from '../../../src/api/config.ts';
import { inlineDb } from '../../../src/api/db/client.ts';
import { fitConnectionCaps, openFileLimit } from '../../../src/api/fd-budget.ts';
import { buildApi } from '../../../src/api/http/server.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { execEvent, exitEvent, T0_US, tempDir } from '../store/fixtures.ts';
import { rawExchange, STATUS, startTestApi } from './support.ts';

interface Page {
  events: { id: number; timeUs: number; type: string; pid: number; comm: string; filename?: string }[];
  nextCursor: string | null;
}
interface ErrorReply {
  error: { code: string; message: string; field?: string };
}

function seed(db: DatabaseSync): BpfEvent[] {
  const events: BpfEvent[] = Array.from({ length: 30 }, (_, i) =>
    i % 2 === 0
      ? execEvent({ timeUs: T0_US + Math.floor(i / 4) * 1000, pid: 100 + i, comm: i % 3 ? 'curl' : 'sh' })
      : exitEvent({ timeUs: T0_US + Math.floor(i / 4) * 1000, pid: 100 + i, comm: 'curl' }),
  );
  const w = new EventWriter(db);
  w.enqueue(events);
  w.flush();
  return events;
}

test('the socket is root-only, health and status answer', async (t) => {
  const api = await startTestApi(t);
  assert.equal(statSync(api.listeners.socket as string).mode & 0o777, 0o600);
  assert.deepEqual((await api.get('/healthz')).json(), { status: 'ok' });
  assert.equal((await api.get('/readyz')).status, 200);
  const s = await api.get('/api/v1/status');
  assert.equal(s.status, 200);
  assert.equal(s.json<typeof STATUS>().monitors[0]?.name, 'process');
  assert.equal((await api.get('/api/v1/monitors')).json<{ monitors: unknown[] }>().monitors.length, 1);
});

test('readyz is 503 with the reason while the agent is not ready; status 503 before start', async (t) => {
  const api = await startTestApi(t, {
    health: () => ({ ready: false, detail: 'no monitor running' }),
    status: () => undefined,
  });
  const r = await api.get('/readyz');
  assert.equal(r.status, 503);
  assert.equal(r.json<{ detail: string }>().detail, 'no monitor running');
  const s = await api.get('/api/v1/status');
  assert.equal(s.status, 503);
  assert.equal(s.json<ErrorReply>().error.code, 'STARTING');
});

test('events: filters as in the CLI, cursor pages cover every row once in order', async (t) => {
  const api = await startTestApi(t);
  const events = seed(api.db);
  const seen: number[] = [];
  let cursor: string | null = '';
  let pages = 0;
  while (cursor !== null) {
    const r = await api.get(`/api/v1/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    const page: Page = r.json<Page>();
    // Each page is oldest first, and older than everything seen so far.
    for (let i = 1; i < page.events.length; i++) {
      const a = page.events[i - 1]!;
      const b = page.events[i]!;
      assert.ok(a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.id < b.id));
    }
    seen.unshift(...page.events.map((e) => e.id));
    cursor = page.nextCursor;
    pages++;
  }
  assert.equal(pages, 5);
  assert.equal(new Set(seen).size, events.length);

  const execs = (await api.get('/api/v1/events?type=exec&comm=sh&limit=100')).json<Page>();
  const want = events.filter((e) => e.type === 'exec' && e.comm === 'sh').length;
  assert.equal(execs.events.length, want);
  assert.ok(
    execs.events.every((e) => e.type === 'exec' && e.comm === 'sh' && e.filename === '/usr/bin/curl'),
  );
  assert.equal(execs.nextCursor, null);
  const one = (await api.get('/api/v1/events?pid=104')).json<Page>();
  assert.deepEqual(
    one.events.map((e) => e.pid),
    [104],
  );
});

test('bad parameters get 400 naming the parameter and what was expected', async (t) => {
  const api = await startTestApi(t);
  const cases: [string, string, RegExp][] = [
    ['/api/v1/events?pid=abc', 'pid', /expected a positive integer process id/],
    ['/api/v1/events?type=exek', 'type', /one of exec/],
    ['/api/v1/events?since=yesterdayish', 'since', /since/],
    ['/api/v1/events?addr=1.2.3', 'addr', /IPv4 or IPv6/],
    ['/api/v1/events?limit=0', 'limit', /from 1 to/],
    [
      '/api/v1/events?localPort=0',
      'localPort',
      /invalid localPort "0": expected a port number from 1 to 65535/,
    ],
    ['/api/v1/events?remotePort=x', 'remotePort', /invalid remotePort "x": expected a port number/],
    ['/api/v1/events/summary?port=65536', 'port', /port number from 1 to 65535/],
    ['/api/v1/events?cursor=zzz', 'cursor', /cursor/],
    ['/api/v1/events?bogus=1', 'bogus', /unknown field bogus/],
    ['/api/v1/events/summary?by=color', 'by', /by/],
    ['/api/v1/alerts?severity=urgent', 'severity', /severity/],
    ['/api/v1/alerts/0', 'id', /id/],
  ];
  for (const [path, field, message] of cases) {
    const r = await api.get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    const e = r.json<ErrorReply>().error;
    assert.equal(e.code, 'BAD_REQUEST', path);
    assert.equal(e.field, field, `${path}: ${r.text}`);
    assert.match(e.message, message, path);
  }
  const nf = await api.get('/api/v1/nothing');
  assert.equal(nf.status, 404);
  assert.equal(nf.json<ErrorReply>().error.code, 'NOT_FOUND');
});

test('summary groups like the CLI', async (t) => {
  const api = await startTestApi(t);
  seed(api.db);
  const r = await api.get('/api/v1/events/summary?by=type');
  assert.equal(r.status, 200, r.text);
  const groups = r.json<{ groups: { key: { type: string }; count: number }[] }>().groups;
  assert.deepEqual(Object.fromEntries(groups.map((g) => [g.key.type, g.count])), { exec: 15, exit: 15 });
});

const RULE = {
  id: 'api-curl',
  name: 'curl ran',
  severity: 'high',
  query: "SELECT id, pid FROM new_process_events WHERE type = 'exec' AND comm = 'curl'",
};

test('rules: create, conflict, replace, disable, delete; invalid SQL is rejected and stores nothing', async (t) => {
  const api = await startTestApi(t);
  let r = await api.call('POST', '/api/v1/rules', { body: RULE });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json<{ change: string }>().change, 'added');
  assert.equal((await api.call('POST', '/api/v1/rules', { body: RULE })).status, 409);
  r = await api.call('PUT', '/api/v1/rules/api-curl', { body: { ...RULE, severity: 'low' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json<{ rule: { severity: string } }>().rule.severity, 'low');
  r = await api.call('PUT', '/api/v1/rules/other-id', { body: RULE });
  assert.equal(r.status, 400);
  assert.match(r.json<ErrorReply>().error.message, /does not match/);
  r = await api.call('POST', '/api/v1/rules/api-curl/disable');
  assert.equal(r.json<{ enabled: boolean }>().enabled, false);

  r = await api.call('POST', '/api/v1/rules', {
    body: { ...RULE, id: 'evil', query: "SELECT load_extension('x') FROM exec_events" },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json<ErrorReply>().error.code, 'RULE_INVALID');
  assert.match(r.json<ErrorReply>().error.message, /load_extension\(\) is not allowed/);
  r = await api.call('POST', '/api/v1/rules', { body: { ...RULE, id: 'x2', colour: 'red' } });
  assert.equal(r.status, 400);
  assert.match(r.json<ErrorReply>().error.message, /unknown key colour/);
  r = await api.call('POST', '/api/v1/rules', { body: '[not json' as unknown as object });
  assert.equal(r.status, 400);

  const list = (await api.get('/api/v1/rules')).json<{ rules: { id: string }[] }>().rules;
  assert.deepEqual(
    list.map((x) => x.id),
    ['api-curl'],
  );
  assert.equal((await api.call('DELETE', '/api/v1/rules/api-curl')).status, 204);
  const gone = await api.get('/api/v1/rules/api-curl');
  assert.equal(gone.status, 404);
  assert.equal(gone.json<ErrorReply>().error.code, 'RULE_NOT_FOUND');
});

test('alerts: list with deliveries, show, ack is idempotent, 404 for unknown ids', async (t) => {
  const api = await startTestApi(t);
  const now = Date.now() * 1000;
  insertAlerts(
    api.db,
    [
      {
        draft: {
          timeUs: now,
          ruleId: 'r1',
          severity: 'high',
          title: 'bad thing',
          details: { pid: 1 },
          eventIds: [1],
          eventTypes: ['exec'],
          dedupeKey: 'k1',
          tags: ['T1059'],
        },
        sinks: ['hook'],
        throttleMs: 0,
      },
    ],
    now,
  );
  const list = (await api.get('/api/v1/alerts?severity=medium')).json<{
    alerts: { id: number; deliveries: { sink: string }[] }[];
  }>().alerts;
  assert.equal(list.length, 1);
  assert.equal(list[0]?.deliveries[0]?.sink, 'hook');
  assert.equal(
    (await api.get('/api/v1/alerts?severity=critical')).json<{ alerts: unknown[] }>().alerts.length,
    0,
  );
  const id = list[0]!.id;
  const a1 = (await api.call('POST', `/api/v1/alerts/${id}/ack`)).json<{ ackedUs: number }>();
  assert.ok(a1.ackedUs >= now);
  const a2 = (await api.call('POST', `/api/v1/alerts/${id}/ack`)).json<{ ackedUs: number }>();
  assert.equal(a2.ackedUs, a1.ackedUs);
  assert.equal((await api.get(`/api/v1/alerts/${id + 100}`)).status, 404);
});

test('TCP needs the bearer token; health probes do not', async (t) => {
  const token = 'a-long-enough-test-token';
  const api = await startTestApi(t, {}, { tcp: { host: '127.0.0.1', port: 0, token } });
  assert.match(api.listeners.tcp as string, /^http:\/\/127\.0\.0\.1:\d+$/);
  const none = await api.get('/api/v1/status', { tcp: true });
  assert.equal(none.status, 401);
  assert.equal(none.json<ErrorReply>().error.code, 'UNAUTHORIZED');
  const wrong = await api.get('/api/v1/status', {
    tcp: true,
    headers: { authorization: `Bearer ${token}x` },
  });
  assert.equal(wrong.status, 401);
  const ok = await api.get('/api/v1/status', { tcp: true, headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  assert.equal((await api.get('/healthz', { tcp: true })).status, 200);
  // The socket needs no token.
  assert.equal((await api.get('/api/v1/status')).status, 200);
});

test('the OpenAPI document is valid and lists every route', async (t) => {
  const routes: { method: string; url: string }[] = [];
  const db = openDatabase(`${tempDir(t)}/o.db`);
  t.after(() => db.close());
  const app = await buildApi(
    { db: inlineDb(db), status: () => STATUS, health: () => ({ ready: true }), version: '1.2.3' },
    {
      onRoute: (r) => {
        if (r.hidden || r.url.startsWith('/docs')) return;
        for (const m of [r.method].flat())
          if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url });
      },
    },
  );
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  const doc = res.json() as { info: { version: string }; paths: Record<string, Record<string, unknown>> };
  const v = new Validator();
  const result = await v.validate(doc as unknown as Parameters<Validator['validate']>[0]);
  assert.equal(result.valid, true, JSON.stringify(result.errors)?.slice(0, 2000));
  assert.equal(doc.info.version, '1.2.3');
  assert.ok(routes.length >= 15, `only ${routes.length} routes`);
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    assert.ok(
      doc.paths[path]?.[r.method],
      `${r.method.toUpperCase()} ${r.url} missing from the OpenAPI document`,
    );
  }
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.body, /swagger/i);
});

test('TCP with TLS serves HTTPS and still needs the token', async (t) => {
  const dir = tempDir(t);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const token = 'tls-test-token-0123456789';
  const api = await startTestApi(t, {}, { tcp: { host: '127.0.0.1', port: 0, token, tls: { cert, key } } });
  assert.match(api.listeners.tcp as string, /^https:\/\//);
  const ca = readFileSync(cert);
  const dispatcher = new Dispatcher({ connect: { ca } });
  t.after(() => dispatcher.close());
  const ok = await request(`${api.listeners.tcp}/api/v1/status`, {
    dispatcher,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(ok.statusCode, 200);
  await ok.body.dump();
  const denied = await request(`${api.listeners.tcp}/api/v1/status`, { dispatcher });
  assert.equal(denied.statusCode, 401);
  await denied.body.dump();
});

test('a TCP listener without a token is a configuration error', () => {
  const r = ApiConfigSchema.safeParse({ tcp: { port: 8080 } });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /TCP needs a bearer token/);
});

test('a 500 is logged once with the request id, method, route and error; the reply names the id', async (t) => {
  const lines: string[] = [];
  const api = await startTestApi(
    t,
    {
      status: () => {
        throw new Error('status source broke');
      },
    },
    {},
    { log: (l) => lines.push(l) },
  );
  const r = await api.get('/api/v1/status');
  assert.equal(r.status, 500);
  const e = r.json<ErrorReply>().error;
  assert.equal(e.code, 'INTERNAL');
  const id = /request (\S+)\)/.exec(e.message)?.[1];
  assert.ok(id, e.message);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(
    lines[0] ?? '',
    new RegExp(`^API request ${id} GET /api/v1/status failed: Error: status source broke`),
  );
  assert.ok(!(lines[0] ?? '').includes('\n'));
});

test('errors before a route runs and of the body have the uniform error shape', async (t) => {
  const api = await startTestApi(t);
  const sock = api.listeners.socket as string;
  const shape = (body: string, code: string): ErrorReply['error'] => {
    const j = JSON.parse(body) as ErrorReply;
    assert.deepEqual(Object.keys(j), ['error'], body);
    assert.equal(j.error.code, code, body);
    assert.equal(typeof j.error.message, 'string');
    return j.error;
  };
  const big = await rawExchange(
    sock,
    `GET /api/v1/status HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  );
  assert.equal(big.status, 431, big.headers);
  shape(big.body, 'HEADERS_TOO_LARGE');
  const garbage = await rawExchange(sock, 'NOT HTTP AT ALL\r\n\r\n');
  assert.equal(garbage.status, 400);
  shape(garbage.body, 'BAD_REQUEST');
  const badUrl = await rawExchange(sock, 'GET /api/v1/%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(badUrl.status, 400);
  assert.match(shape(badUrl.body, 'BAD_REQUEST').message, /\/api\/v1\/%zz.*not valid/);
  const nf = await rawExchange(sock, 'GET /docs/nothing.js HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(nf.status, 404);
  shape(nf.body, 'NOT_FOUND');

  const post = (contentType: string, body: Buffer) =>
    rawExchange(
      sock,
      Buffer.concat([
        Buffer.from(
          `POST /api/v1/rules HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    );
  for (const charset of ['utf-16', 'latin1', 'UTF-16LE', '"iso-8859-1"']) {
    const r = await post(`application/json; charset=${charset}`, Buffer.from('{}'));
    assert.equal(r.status, 415, `${charset}: ${r.body}`);
    assert.match(shape(r.body, 'UNSUPPORTED_MEDIA_TYPE').message, /charset .* not supported.*UTF-8/);
  }
  // Invalid UTF-8 (a lone 0xff) is refused, never replaced with U+FFFD and accepted.
  const bad = await post('application/json', Buffer.from('{"id":"r\xff","name":"x"}', 'latin1'));
  assert.equal(bad.status, 400, bad.body);
  assert.match(shape(bad.body, 'BAD_REQUEST').message, /not valid UTF-8/);
  // UTF-8 with or without the charset still parses (the body then fails rule validation, not decoding).
  for (const ct of ['application/json', 'application/json; charset=UTF-8', 'application/json;charset=utf8']) {
    const ok = await post(ct, Buffer.from('{"id":"é"}'));
    assert.equal(ok.status, 400, ok.body);
    assert.equal(shape(ok.body, 'RULE_INVALID').code, 'RULE_INVALID');
  }
  const poisoned = await post('application/json', Buffer.from('{"__proto__":{"x":1}}'));
  assert.equal(poisoned.status, 400, poisoned.body);
});

/** Opens a TCP connection, runs `feed` on it, and resolves with ms until the server closed it. */
function closedAfter(port: number, feed: (c: Socket) => void, giveUpMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const c = connect(port, '127.0.0.1', () => feed(c));
    // Read what the server says (a 408): a paused socket would never see the close.
    c.resume();
    c.on('error', () => undefined);
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`still open after ${giveUpMs} ms`));
    }, giveUpMs);
    c.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

test('TCP cuts idle connections and slowloris headers or bodies at their deadlines', async (t) => {
  const token = 'a-long-enough-test-token';
  const api = await startTestApi(
    t,
    {},
    { tcp: { host: '127.0.0.1', port: 0, token, headersTimeoutMs: 1000, requestTimeoutMs: 2000 } },
  );
  const port = Number(new URL(api.listeners.tcp as string).port);
  const drip = (c: Socket, first: string, more: string): void => {
    c.write(first);
    const i = setInterval(() => c.writable && c.write(more), 200);
    c.on('close', () => clearInterval(i));
  };
  const [idle, headers, body] = await Promise.all([
    closedAfter(port, () => {}, 8000),
    // A header line every 200 ms, never the blank line: activity never stops, so only the deadline cuts it.
    closedAfter(port, (c) => drip(c, 'GET /api/v1/status HTTP/1.1\r\nHost: a\r\n', 'X-Slow: 1\r\n'), 8000),
    closedAfter(
      port,
      (c) =>
        drip(
          c,
          `POST /api/v1/rules HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
          ' ',
        ),
      8000,
    ),
  ]);
  // Each deadline plus Node's once-a-second check.
  assert.ok(idle >= 900 && idle < 2600, `idle connection cut after ${idle} ms`);
  assert.ok(headers >= 900 && headers < 2600, `slow headers cut after ${headers} ms`);
  assert.ok(body >= 1900 && body < 3600, `slow body cut after ${body} ms`);
  // A prompt request still works.
  assert.equal((await api.get('/healthz', { tcp: true })).status, 200);
});

test('TCP defaults cut a slowloris within 10 s; timeouts are checked', () => {
  const tcp = ApiConfigSchema.parse({ tcp: { port: 1, token: 'a-long-enough-test-token' } }).tcp;
  assert.ok(tcp && tcp.headersTimeoutMs <= 10_000 && tcp.requestTimeoutMs <= 10_000);
  assert.ok(tcp.maxConnections > 0 && tcp.maxConnections < 1024);
  const bad = ApiConfigSchema.safeParse({
    tcp: { port: 1, token: 'a-long-enough-test-token', headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 },
  });
  assert.equal(bad.success, false);
  assert.match(
    JSON.stringify(bad.error?.issues),
    /headersTimeoutMs must not exceed api\.tcp\.requestTimeoutMs/,
  );
});

test('each listener holds at most its connection cap; the socket answers while TCP is full', async (t) => {
  const api = await startTestApi(
    t,
    {},
    {
      maxConnections: 4,
      tcp: { host: '127.0.0.1', port: 0, token: 'a-long-enough-test-token', maxConnections: 5 },
    },
  );
  const port = Number(new URL(api.listeners.tcp as string).port);
  const open: Socket[] = [];
  t.after(() => {
    for (const c of open) c.destroy();
  });
  let cut = 0;
  await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<void>((resolve) => {
          const c = connect(port, '127.0.0.1', () => resolve());
          c.resume();
          c.on('error', () => resolve());
          c.on('close', () => {
            cut++;
            resolve();
          });
          open.push(c);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(20 - cut, 5, `${20 - cut} TCP connections held`);
  // The socket has its own cap: TCP being full does not affect it.
  assert.equal((await api.get('/api/v1/status')).status, 200);
});

test('connection caps are scaled into half the open-file limit', () => {
  assert.equal(
    openFileLimit(
      'Limit  Soft  Hard  Units\nMax open files            1024                 4096                 files\n',
    ),
    1024,
  );
  assert.equal(openFileLimit('Max open files  unlimited  unlimited  files\n'), undefined);
  assert.deepEqual(fitConnectionCaps([256, 512], 1_048_576), [256, 512]);
  assert.deepEqual(fitConnectionCaps([256, 512], 1024), [170, 341]);
  assert.deepEqual(fitConnectionCaps([256, 512], 16), [8, 8]);
  assert.deepEqual(fitConnectionCaps([256], undefined), [256]);
});
