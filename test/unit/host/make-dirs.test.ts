import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirs } from '../../../src/host/make-dirs.ts';
import { tempDir } from '../store/fixtures.ts';

const DATABASE = join(import.meta.dirname, '../../../src/store/database.ts');

test('makes every missing directory with the mode, parents first; an existing one is fine', (t) => {
  const root = tempDir(t);
  const deep = join(root, 'a', 'b', 'c');
  makeDirs(deep, 0o700);
  for (const d of [join(root, 'a'), join(root, 'a', 'b'), deep])
    assert.equal(statSync(d).mode & 0o777, 0o700);
  makeDirs(deep, 0o700);
});

test('a database under /proc/<no such pid> fails at once with STORE_DB_OPEN (it used to spin forever)', () => {
  // In a child with a time limit: the old recursive mkdir never returned.
  const r = spawnSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--input-type=module',
      '-e',
      `import { openDatabase } from ${JSON.stringify(DATABASE)};
       try { openDatabase('/proc/999999999/x.db'); console.log('opened'); }
       catch (e) { console.log(e.code, e.message); }`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.signal, null, 'the child finished within its time limit');
  assert.match(
    r.stdout,
    /^STORE_DB_OPEN cannot create directory for database \/proc\/999999999\/x\.db: .*ENOENT/,
  );
});
