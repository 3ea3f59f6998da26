/**
 * A client of the agent's API over its Unix socket, for the CLI: commands go
 * through the running agent when it answers, and fall back to the database
 * (read-only) when no agent runs.
 */
import { existsSync } from 'node:fs';
import { Agent as Dispatcher, request } from 'undici';
import type { ErrorKind } from '../domain/error-kinds.ts';
import { BpfwardenError, kindOfApiCode } from '../domain/errors.ts';
import { errnoKind } from '../ebpf/errors.ts';

/** A registered API code's kind; an errno name (the agent's BpfError) as the eBPF library reads it. */
function kindOf(remoteCode: string): ErrorKind {
  return kindOfApiCode(remoteCode) ?? (/^E[A-Z0-9]+$/.test(remoteCode) ? errnoKind(remoteCode) : 'internal');
}

/** The agent answered with an error: its code (`remoteCode`) tells the kind, so the CLI exits as it would locally. */
export class ApiClientError extends BpfwardenError {
  declare readonly code: 'API_REMOTE';
  /** The code in the agent's error body (API_ERROR when the body was not one). */
  readonly remoteCode: string;
  readonly status: number;
  constructor(remoteCode: string, status: number, message: string, field?: string) {
    super('API_REMOTE', message, { kind: kindOf(remoteCode), field });
    this.remoteCode = remoteCode;
    this.status = status;
  }
}

type Query = Record<string, string | number | readonly string[] | undefined>;

function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) p.set(k, v.join(','));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class ApiClient {
  readonly socket: string;
  readonly #dispatcher: Dispatcher;

  private constructor(socket: string) {
    this.socket = socket;
    this.#dispatcher = new Dispatcher({ connect: { socketPath: socket, timeout: 1000 } });
  }

  /** A client when an agent answers /healthz on the socket within a second; else undefined. */
  static async connect(socket: string): Promise<ApiClient | undefined> {
    if (!existsSync(socket)) return undefined;
    const c = new ApiClient(socket);
    try {
      const r = await request('http://agent/healthz', {
        dispatcher: c.#dispatcher,
        headersTimeout: 1000,
        bodyTimeout: 1000,
      });
      await r.body.dump();
      if (r.statusCode === 200) return c;
    } catch {
      // No agent behind the socket (a stale file, or no permission): fall back.
    }
    await c.close();
    return undefined;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    opts: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const r = await request(`http://agent${path}${queryString(opts.query)}`, {
      method,
      dispatcher: this.#dispatcher,
      ...(opts.body !== undefined
        ? { body: JSON.stringify(opts.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await r.body.text();
    if (r.statusCode >= 400) {
      let code = 'API_ERROR';
      let message = `the agent answered ${r.statusCode}`;
      let field: string | undefined;
      try {
        const e = (JSON.parse(text) as { error?: { code?: string; message?: string; field?: string } }).error;
        code = e?.code ?? code;
        message = e?.message ?? message;
        field = e?.field;
      } catch {
        // Not our error body: keep the status line.
      }
      throw new ApiClientError(code, r.statusCode, message, field);
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, query ? { query } : {});
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }
}
