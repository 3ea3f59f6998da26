/**
 * Runs API database operations: in the query worker (the agent), or inline
 * on a connection the caller owns (tests, tools). Same operations either way.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { ApiDbError, asApiDbError } from './errors.ts';
import { DB_OPS, type DbOpArg, type DbOpName, type DbOpResult } from './ops.ts';
import type { DbReply } from './protocol.ts';

export interface ApiDb {
  call<K extends DbOpName>(op: K, arg: DbOpArg<K>): Promise<DbOpResult<K>>;
  close(): Promise<void>;
}

/** Operations on a connection in this thread. */
export function inlineDb(db: DatabaseSync): ApiDb {
  return {
    call<K extends DbOpName>(op: K, arg: DbOpArg<K>): Promise<DbOpResult<K>> {
      try {
        const f = DB_OPS[op] as (db: DatabaseSync, arg: DbOpArg<K>) => DbOpResult<K>;
        return Promise.resolve(f(db, arg));
      } catch (err) {
        return Promise.reject(asApiDbError(err));
      }
    },
    close: () => Promise.resolve(),
  };
}

function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker-main.${ext}`, import.meta.url);
}

/** Operations in a worker thread with its own connection; each call bounded by timeoutMs. */
export function workerDb(dbPath: string, timeoutMs = 30_000): ApiDb {
  // Started on first use: an idle agent that nobody queries keeps no extra isolate.
  let worker: Worker | undefined;
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(workerUrl(), {
      workerData: { dbPath },
      // Query results live for one request; V8's default young generation
      // (32 MiB or more) stays resident after the first large listing.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    w.unref();
    w.on('message', (r: DbReply) => {
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new ApiDbError(r.code, r.message, { field: r.field }));
    });
    w.on('error', (err) =>
      failAll(new ApiDbError('API_DB_UNAVAILABLE', `query worker failed: ${err.message}`)),
    );
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(new ApiDbError('API_DB_UNAVAILABLE', 'query worker stopped'));
    });
    return w;
  };
  return {
    call<K extends DbOpName>(op: K, arg: DbOpArg<K>): Promise<DbOpResult<K>> {
      const id = next++;
      worker ??= start();
      const w = worker;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          if (pending.delete(id))
            reject(new ApiDbError('API_TIMEOUT', `${op} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as DbOpResult<K>);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        w.postMessage({ id, op, arg });
      });
    },
    async close(): Promise<void> {
      const w = worker;
      if (!w) return;
      worker = undefined;
      w.postMessage({ close: true });
      await new Promise<void>((r) => {
        const t = setTimeout(() => void w.terminate().then(() => r()), 2000);
        w.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    },
  };
}
