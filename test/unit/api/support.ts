/** An API over a real database file on a real Unix socket, for the API tests. */
import { connect } from 'node:net';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { Agent as Dispatcher, request } from 'undici';
import { ApiConfigSchema } from '../../../src/api/config.ts';
import { inlineDb } from '../../../src/api/db/client.ts';
import type { ApiDeps } from '../../../src/api/http/deps.ts';
import { type ApiListeners, startApi } from '../../../src/api/http/listen.ts';
import type { BuildOptions } from '../../../src/api/http/server.ts';
import { AgentError } from '../../../src/domain/agent-error.ts';
import type { StatusSnapshot } from '../../../src/domain/contracts/status.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { tempDir } from '../store/fixtures.ts';

export interface TestApi {
  readonly db: DatabaseSync;
  readonly dir: string;
  readonly listeners: ApiListeners;
  readonly get: (path: string, init?: Init) => Promise<Reply>;
  readonly call: (method: string, path: string, init?: Init) => Promise<Reply>;
}

export interface Init {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Send to the TCP listener instead of the socket. */
  readonly tcp?: boolean;
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: <T = Record<string, unknown>>() => T;
}

export const STATUS: StatusSnapshot = {
  pid: 1234,
  startedAtMs: 1,
  updatedAtMs: 2,
  database: '/x.db',
  monitors: [
    {
      name: 'process',
      state: 'running',
      events: 5,
      kernelDrops: 0,
      decodeErrors: 0,
      attached: ['tp'],
      eventsPerSecond: 1,
    },
  ],
  store: { stored: 5, queued: 0, queueDropped: 0, writeFailures: 0 },
  retention: { deletedByAge: 0, deletedBySize: 0, failures: 0 },
};

export async function startTestApi(
  t: { after(fn: () => void | Promise<void>): void },
  over: Partial<ApiDeps> | ((dbPath: string) => Partial<ApiDeps>) = {},
  apiConfig: Record<string, unknown> = {},
  extra: Pick<BuildOptions, 'log'> = {},
): Promise<TestApi> {
  const dir = tempDir(t);
  const dbPath = join(dir, 'api.db');
  const db = openDatabase(dbPath);
  const deps: ApiDeps = {
    db: inlineDb(db),
    status: () => STATUS,
    health: () => ({ ready: true }),
    version: 'test',
    ...(typeof over === 'function' ? over(dbPath) : over),
  };
  const listeners = await startApi(ApiConfigSchema.parse(apiConfig), dir, deps, {
    ...extra,
    fail: (code, message) => new AgentError(code, message),
  });
  const socket = new Dispatcher({ connect: { socketPath: listeners.socket as string } });
  t.after(async () => {
    await socket.close();
    await listeners.close();
    db.close();
  });
  const call = async (method: string, path: string, init: Init = {}): Promise<Reply> => {
    const base = init.tcp ? (listeners.tcp as string) : 'http://localhost';
    const res = await request(`${base}${path}`, {
      method: method as 'GET',
      ...(init.tcp ? {} : { dispatcher: socket }),
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  };
  return { db, dir, listeners, call, get: (p, i) => call('GET', p, i) };
}

/** Sends raw bytes on a fresh connection and returns everything the server wrote until it closed. */
export function rawExchange(
  where: string | { host: string; port: number },
  bytes: string | Buffer,
  timeoutMs = 5000,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const c = typeof where === 'string' ? connect(where) : connect(where.port, where.host);
    let out = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`no complete answer in ${timeoutMs} ms; got ${JSON.stringify(out.slice(0, 200))}`));
    }, timeoutMs);
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      out += d;
    });
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(timer);
      const [head = '', ...rest] = out.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0),
        headers: head,
        body: rest.join('\r\n\r\n'),
      });
    });
    c.write(bytes);
  });
}
