import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type {
  ChmodEvent,
  FileEvent,
  OpenEvent,
  RenameEvent,
  UnlinkEvent,
} from '../../../src/families/file/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents } from '../../../src/store/event-query.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { T0_US, tempDir } from './fixtures.ts';

const base = {
  ktimeNs: 1,
  pid: 300,
  tid: 301,
  ppid: 1,
  uid: 1000,
  gid: 1000,
  cgroupId: 2 ** 40 + 1,
  comm: 'mv',
};
const path = { pathTruncated: false, pathUnreadable: false };

const open: OpenEvent = {
  ...base,
  ...path,
  type: 'open',
  timeUs: T0_US,
  syscall: 'openat',
  result: -2,
  path: '/etc/shadow',
  dirfd: -100,
  flags: 0o2000000,
  mode: 0,
};
const unlink: UnlinkEvent = {
  ...base,
  type: 'unlink',
  timeUs: T0_US + 1,
  syscall: 'unlinkat',
  result: 0,
  path: 'rel/x',
  pathTruncated: true,
  pathUnreadable: false,
  dirfd: 7,
  flags: 0x200,
};
const rename: RenameEvent = {
  ...base,
  type: 'rename',
  timeUs: T0_US + 2,
  syscall: 'renameat2',
  result: 0,
  oldPath: '/tmp/a',
  newPath: '/etc/cron.d/a',
  oldDirfd: -100,
  newDirfd: 4,
  flags: 1,
  oldPathTruncated: false,
  oldPathUnreadable: true,
  newPathTruncated: true,
  newPathUnreadable: false,
};
const chmod: ChmodEvent = {
  ...base,
  ...path,
  type: 'chmod',
  timeUs: T0_US + 3,
  syscall: 'fchmodat',
  result: 0,
  path: '/usr/bin/su',
  fd: null,
  dirfd: -100,
  mode: 0o4755,
  flags: 0,
};
const fchmod: ChmodEvent = { ...chmod, timeUs: T0_US + 4, syscall: 'fchmod', path: '', fd: 3, mode: 0o600 };

test('file events round-trip through file_events with every field', (t) => {
  const db = openDatabase(join(tempDir(t), 'events.db'));
  t.after(() => db.close());
  const events: FileEvent[] = [open, unlink, rename, chmod, fchmod];
  const w = new EventWriter(db);
  w.enqueue(events);
  w.flush();
  assert.equal(w.stats.rowsWritten, 5);
  assert.equal(w.stats.rowsRejected, 0);
  const got = queryEvents(db, { types: ['open', 'unlink', 'rename', 'chmod'] });
  assert.deepEqual(
    got.map(({ id: _id, ...rest }) => rest),
    events.map(({ ktimeNs: _k, ...rest }) => rest),
  );
});

test("the events view's path is the path, the old path for rename", (t) => {
  const db = openDatabase(join(tempDir(t), 'events.db'));
  t.after(() => db.close());
  const w = new EventWriter(db);
  w.enqueue([open, rename, chmod]);
  w.flush();
  const paths = db
    .prepare("SELECT type, path FROM events WHERE type IN ('open', 'rename', 'chmod') ORDER BY time_us")
    .all();
  assert.deepEqual(
    paths.map((r) => ({ ...r })),
    [
      { type: 'open', path: '/etc/shadow' },
      { type: 'rename', path: '/tmp/a' },
      { type: 'chmod', path: '/usr/bin/su' },
    ],
  );
  assert.deepEqual(
    queryEvents(db, { path: '/tmp/' }).map((e) => e.type),
    ['rename'],
  );
});
