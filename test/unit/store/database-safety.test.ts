/**
 * The database file is private (0600, and so its -wal and -shm), and a
 * damaged file is refused before anything is written to it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { StoreError } from '../../../src/store/store-error.ts';
import { forkEvent, T0_US, tempDir } from './fixtures.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

test('a new database, its WAL and its SHM are created 0600 whatever the umask', (t) => {
  const path = join(tempDir(t), 'bw.db');
  const old = process.umask(0o000);
  try {
    const db = openDatabase(path);
    new EventWriter(db).enqueue([forkEvent({ timeUs: T0_US })]);
    db.exec('CREATE TABLE IF NOT EXISTS t (x)');
    for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(f), 0o600, f);
    db.close();
  } finally {
    process.umask(old);
  }
});

test('an existing database readable by others is made private at open', (t) => {
  const path = join(tempDir(t), 'bw.db');
  openDatabase(path).close();
  chmodSync(path, 0o644);
  const db = openDatabase(path);
  db.close();
  assert.equal(mode(path), 0o600);
});

test('a database with damaged pages is refused, named, and left unchanged', (t) => {
  const path = join(tempDir(t), 'bw.db');
  const db = openDatabase(path);
  const w = new EventWriter(db);
  w.enqueue(Array.from({ length: 3000 }, (_, i) => forkEvent({ timeUs: T0_US + i, childPid: i })));
  w.flush();
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  const pages = statSync(path).size / 4096;
  assert.ok(pages > 8, 'enough pages to damage one in the middle');
  // Garbage over a page in the middle: a b-tree page of the event table.
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(pages / 2) * 4096);
  closeSync(fd);
  const before = sha(path);
  assert.throws(
    () => openDatabase(path),
    (err: unknown) =>
      err instanceof StoreError &&
      err.code === 'STORE_DB_CORRUPT' &&
      err.message.includes(path) &&
      /damaged .*will not write to it/.test(err.message),
  );
  assert.equal(sha(path), before, 'nothing was written');
});
