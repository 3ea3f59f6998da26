import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { preparePrivateDir } from '../../../src/api/private-socket.ts';
import { tempDir } from '../store/fixtures.ts';
import { startTestApi } from './support.ts';

const fail = (m: string): Error => new Error(m);
const modeOf = (p: string): number => statSync(p).mode & 0o777;

test('the runtime directory is made 0700; one the agent creates is 0700 whatever the umask', (t) => {
  const base = tempDir(t);
  const run = join(base, 'run');
  mkdirSync(run);
  chmodSync(run, 0o755);
  preparePrivateDir(join(run, 'api.sock'), run, 'api.socket', fail);
  assert.equal(modeOf(run), 0o700);
  const old = process.umask(0);
  try {
    preparePrivateDir(join(base, 'new', 'deeper', 'api.sock'), undefined, 'api.socket', fail);
  } finally {
    process.umask(old);
  }
  assert.equal(modeOf(join(base, 'new', 'deeper')), 0o700);
});

test('a socket directory others can reach, or owned by another user, is refused with the fix', (t) => {
  const base = tempDir(t);
  const shared = join(base, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o755);
  assert.throws(
    () => preparePrivateDir(join(shared, 'api.sock'), join(base, 'run'), 'api.socket', fail),
    /api\.socket: .*shared has mode 0755, so other users can reach the socket; it must be 0700 \(chmod 700/,
  );
  assert.equal(modeOf(shared), 0o755, "a directory that is not the agent's is left as it is");
  assert.throws(
    () => preparePrivateDir('/tmp/api.sock', undefined, 'grpc.socket', fail),
    /grpc\.socket: \/tmp has mode 1777/,
  );
  if (process.geteuid?.() !== 0) return;
  const theirs = join(base, 'theirs');
  mkdirSync(theirs, { mode: 0o700 });
  chownSync(theirs, 65534, 65534);
  assert.throws(
    () => preparePrivateDir(join(theirs, 'api.sock'), theirs, 'api.socket', fail),
    /theirs is owned by uid 65534, not by the agent's user \(uid 0\): refusing/,
  );
});

test('the API socket is born 0600 under umask 000, and the umask is restored', async (t) => {
  const old = process.umask(0);
  t.after(() => process.umask(old));
  const api = await startTestApi(t);
  assert.equal(process.umask(), 0);
  assert.equal(modeOf(api.listeners.socket as string), 0o600);
  assert.equal(modeOf(api.dir), 0o700);
  assert.equal((await api.get('/healthz')).status, 200);
});
