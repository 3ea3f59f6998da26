/** Test helpers: a migrated database file with a few stored events. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../../src/store/database.ts';

export function tempDb(): { path: string; db: DatabaseSync; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-rules-'));
  const path = join(dir, 'bw.db');
  return { path, db: openDatabase(path), dir };
}

let nextId = 1;

export function insertExec(
  db: DatabaseSync,
  fields: { pid?: number; comm?: string; filename: string; argv?: string[] },
): number {
  const id = nextMax(db);
  db.prepare(
    `INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, filename, argv, argc,
       args_truncated, filename_truncated, old_pid) VALUES (?, ?, 'exec', ?, ?, 1, 0, 0, 1, ?, ?, ?, ?, 0, 0, 0)`,
  ).run(
    id,
    Date.now() * 1000,
    fields.pid ?? 4242,
    fields.pid ?? 4242,
    fields.comm ?? 'sh',
    fields.filename,
    JSON.stringify(fields.argv ?? [fields.filename]),
    (fields.argv ?? [fields.filename]).length,
  );
  return id;
}

export function insertOpen(
  db: DatabaseSync,
  fields: { pid?: number; comm?: string; path: string; result?: number },
): number {
  const id = nextMax(db);
  db.prepare(
    `INSERT INTO file_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, syscall, result, path,
       dirfd, flags, mode, path_truncated, path_unreadable) VALUES (?, ?, 'open', ?, ?, 1, 0, 0, 1, ?, 'openat', ?, ?, -100, 0, 0, 0, 0)`,
  ).run(
    id,
    Date.now() * 1000,
    fields.pid ?? 4242,
    fields.pid ?? 4242,
    fields.comm ?? 'cat',
    fields.result ?? 3,
    fields.path,
  );
  return id;
}

export function insertConnect(
  db: DatabaseSync,
  fields: { remoteAddr: string; remotePort: number; timeUs?: number; comm?: string },
): number {
  const id = nextMax(db);
  db.prepare(
    `INSERT INTO net_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, family, protocol,
       direction, local_addr, local_port, remote_addr, remote_port, owner_known)
     VALUES (?, ?, 'tcp_connect', 4242, 4242, 1, 0, 0, 1, ?, 4, 'tcp', 'outbound', '10.0.0.1', 40000, ?, ?, 1)`,
  ).run(id, fields.timeUs ?? Date.now() * 1000, fields.comm ?? 'curl', fields.remoteAddr, fields.remotePort);
  return id;
}

function nextMax(db: DatabaseSync): number {
  const r = db
    .prepare(
      'SELECT MAX((SELECT COALESCE(MAX(id),0) FROM process_events), (SELECT COALESCE(MAX(id),0) FROM file_events), (SELECT COALESCE(MAX(id),0) FROM net_events)) AS m',
    )
    .get() as { m: number };
  nextId = Math.max(nextId, r.m + 1);
  return nextId++;
}
