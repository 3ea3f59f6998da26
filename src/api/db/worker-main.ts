/**
 * The API's query worker: one SQLite connection off the main thread, so a
 * slow summary never delays ring-buffer draining. Runs one operation at a
 * time, in arrival order.
 */
import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { raiseThreadPriority } from '../../host/thread-priority.ts';
import { openDatabase } from '../../store/database.ts';
import { asApiDbError } from './errors.ts';
import { DB_OPS, type DbOpName } from './ops.ts';
import type { DbReply, DbRequest } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('the API query worker runs as a worker thread');
const { dbPath } = workerData as { dbPath: string };
// Requests are short and an operator waits on each: under an event storm
// that saturates the CPUs, an ordinary thread waits its turn behind the
// workload's. The store worker's nice value, best effort as there.
raiseThreadPriority();

let db: DatabaseSync | undefined;
function connection(): DatabaseSync {
  // Opened on first use: the database may not exist until the store has migrated it.
  db ??= openDatabase(dbPath);
  return db;
}

port.on('message', (m: DbRequest | { close: true }) => {
  if ('close' in m) {
    db?.close();
    port.close();
    return;
  }
  let reply: DbReply;
  try {
    const op = DB_OPS[m.op as DbOpName] as (db: DatabaseSync, arg: unknown) => unknown;
    if (typeof op !== 'function') throw new Error(`unknown operation ${m.op}`);
    reply = { id: m.id, ok: true, value: op(connection(), m.arg) };
  } catch (err) {
    const e = asApiDbError(err);
    reply = { id: m.id, ok: false, code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  }
  port.postMessage(reply);
});
