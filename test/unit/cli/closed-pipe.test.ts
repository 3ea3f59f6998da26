/**
 * `bpfwarden events ... | head -1`: a reader that closes the pipe early ends
 * the command quietly (exit 0, nothing on stderr), with no EPIPE stack trace.
 * NO_COLOR wins over FORCE_COLOR through the real launcher, with no warning.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { BIN } from '../../support/agent-process.ts';
import { forkEvent, T0_US, tempDir } from '../store/fixtures.ts';

function database(t: Parameters<typeof tempDir>[0], rows: number): string {
  const path = join(tempDir(t), 'bw.db');
  const db = openDatabase(path);
  const w = new EventWriter(db);
  w.enqueue(Array.from({ length: rows }, (_, i) => forkEvent({ timeUs: T0_US + i, childPid: 1000 + i })));
  w.flush();
  db.close();
  return path;
}

test('a closed pipe ends `events` quietly with exit 0', async (t) => {
  const db = database(t, 20_000);
  const child = spawn(BIN, ['events', '--db', db, '--limit', '20000', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BPFWARDEN_API_SOCKET: '' },
  });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
  });
  // Like `head -1`: read the first chunk, then close the pipe.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(err, '', 'nothing on stderr');
  assert.equal(code, 0);
});

test('NO_COLOR wins over FORCE_COLOR, without a warning', () => {
  const r = spawnSync(BIN, ['--help'], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '1' },
  });
  assert.equal(r.status, 0);
  assert.ok(!r.stdout.includes('\u001b['), 'no colour');
  assert.equal(r.stderr, '', 'no warning');
});
