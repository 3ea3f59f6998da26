import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { test } from 'node:test';
import { eventDetails } from '../../../src/cli/format/event-row.ts';
import { openFlagNames, resultText } from '../../../src/families/file/details.ts';

const common = { id: 1, timeUs: 0, pid: 7, tid: 7, ppid: 1, uid: 0, gid: 0, cgroupId: 1, comm: 'cat' };
const path = { pathTruncated: false, pathUnreadable: false };
const O_CLOEXEC = 0o2000000;

test('open reads like strace: call, path, flags, = result', () => {
  const open = {
    ...common,
    ...path,
    type: 'open' as const,
    syscall: 'openat' as const,
    dirfd: -100,
    mode: 0,
  };
  assert.equal(
    eventDetails({ ...open, path: '/etc/passwd', flags: O_CLOEXEC, result: 3 }),
    'openat /etc/passwd O_RDONLY|O_CLOEXEC = 3',
  );
  assert.equal(
    eventDetails({ ...open, path: '/nope', flags: 0, result: -2 }),
    'openat /nope O_RDONLY = -2 ENOENT',
  );
  // The mode only where it means something; dirfd only for a relative path from another directory.
  assert.equal(
    eventDetails({
      ...open,
      path: 'new file',
      dirfd: 5,
      flags: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      mode: 0o640,
      result: 4,
    }),
    "openat dirfd=5 'new file' O_WRONLY|O_CREAT|O_EXCL mode=0640 = 4",
  );
  assert.equal(
    eventDetails({ ...open, path: 'rel', flags: 0, result: 3 }),
    'openat rel O_RDONLY = 3',
    'AT_FDCWD is not shown',
  );
  assert.equal(
    eventDetails({ ...open, path: '/long', pathTruncated: true, flags: 0, result: -36 }),
    'openat /long… O_RDONLY = -36 ENAMETOOLONG',
  );
  assert.equal(
    eventDetails({ ...open, path: '', pathUnreadable: true, flags: 0, result: -14 }),
    'openat <unreadable> O_RDONLY = -14 EFAULT',
  );
});

test('open flags: access mode, known bits, unknown bits in hex; O_SYNC is not also O_DSYNC', () => {
  assert.equal(openFlagNames(constants.O_RDWR | constants.O_APPEND), 'O_RDWR|O_APPEND');
  assert.equal(openFlagNames(constants.O_WRONLY | constants.O_SYNC), 'O_WRONLY|O_SYNC');
  assert.equal(openFlagNames(constants.O_WRONLY | constants.O_DSYNC), 'O_WRONLY|O_DSYNC');
  assert.equal(openFlagNames(3), 'O_ACCMODE');
  assert.equal(openFlagNames(0x40000000), 'O_RDONLY|0x40000000');
});

test('results: numbers, and errno names for failures', () => {
  assert.equal(resultText(0), '= 0');
  assert.equal(resultText(-13), '= -13 EACCES');
  assert.equal(resultText(-9999), '= -9999');
});

test('unlink, rename and chmod details', () => {
  const base = { ...common, ...path, dirfd: -100 };
  assert.equal(
    eventDetails({ ...base, type: 'unlink', syscall: 'unlinkat', path: '/tmp/d', flags: 0x200, result: 0 }),
    'unlinkat /tmp/d AT_REMOVEDIR = 0',
  );
  assert.equal(
    eventDetails({ ...base, type: 'unlink', syscall: 'unlink', path: '/tmp/f', flags: 0, result: -2 }),
    'unlink /tmp/f = -2 ENOENT',
  );
  assert.equal(
    eventDetails({
      ...common,
      type: 'rename',
      syscall: 'renameat2',
      oldPath: '/a',
      newPath: '/b c',
      oldDirfd: -100,
      newDirfd: -100,
      flags: 1,
      result: -17,
      oldPathTruncated: false,
      oldPathUnreadable: false,
      newPathTruncated: false,
      newPathUnreadable: false,
    }),
    "renameat2 /a → '/b c' RENAME_NOREPLACE = -17 EEXIST",
  );
  assert.equal(
    eventDetails({
      ...base,
      type: 'chmod',
      syscall: 'fchmodat',
      path: '/x',
      fd: null,
      mode: 0o4755,
      flags: 0,
      result: 0,
    }),
    'fchmodat /x mode=04755 = 0',
  );
  assert.equal(
    eventDetails({
      ...base,
      type: 'chmod',
      syscall: 'fchmod',
      path: '',
      fd: 3,
      mode: 0o600,
      flags: 0,
      result: 0,
    }),
    'fchmod fd=3 mode=0600 = 0',
  );
  assert.equal(
    eventDetails({
      ...base,
      type: 'chmod',
      syscall: 'fchmodat2',
      path: '/l',
      fd: null,
      mode: 0o644,
      flags: 0x100,
      result: -95,
    }),
    'fchmodat2 /l mode=0644 AT_SYMLINK_NOFOLLOW = -95 EOPNOTSUPP',
  );
});
