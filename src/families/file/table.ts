/** file_events: open, unlink, rename and chmod calls with their results. */

import {
  bool,
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  mappingFor,
  num,
  numOrNull,
  str,
} from '../event-table.ts';
import type { ChmodSyscall, FileEvent, OpenSyscall, RenameSyscall, UnlinkSyscall } from './events.ts';
import { FILE_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<FileEvent>();

const NAME = 'file_events';

// The kernel only sends known syscall names; a row holding something else reads back as the family's first.
function oneOf<S extends string>(v: string, allowed: readonly S[]): S {
  return allowed.find((x) => x === v) ?? allowed[0]!;
}

const OPEN: readonly OpenSyscall[] = ['openat', 'open', 'creat', 'openat2'];
const UNLINK: readonly UnlinkSyscall[] = ['unlinkat', 'unlink'];
const RENAME: readonly RenameSyscall[] = ['renameat2', 'rename', 'renameat'];
const CHMOD: readonly ChmodSyscall[] = ['fchmodat', 'chmod', 'fchmod', 'fchmodat2'];

export const FILE_TABLE: EventTable = {
  name: NAME,
  types: FILE_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(FILE_EVENT_TYPES)},
      syscall TEXT NOT NULL,
      result INTEGER NOT NULL,          -- >= 0 success (open: the fd), else -errno
      path TEXT NOT NULL,               -- rename: the old path
      dirfd INTEGER NOT NULL,           -- -100 is AT_FDCWD; rename: the old dirfd
      flags INTEGER NOT NULL,
      mode INTEGER,                     -- open, chmod
      fd INTEGER,                       -- fchmod
      new_path TEXT,                    -- rename
      new_dirfd INTEGER,                -- rename
      path_truncated INTEGER NOT NULL,
      path_unreadable INTEGER NOT NULL,
      new_path_truncated INTEGER,       -- rename
      new_path_unreadable INTEGER       -- rename
    );
    ${commonIndexesSql(NAME)}`,
  // No further indexes: opens can arrive by the ten thousand per second.
  view: { path: 'path', addr: 'NULL', port: 'NULL', localPort: 'NULL' },
  selectColumns: `syscall, result, path, dirfd, flags, mode, fd, new_path, new_dirfd,
    path_truncated, path_unreadable, new_path_truncated, new_path_unreadable`,
  mappings: [
    mapping(
      'open',
      ['syscall', 'result', 'path', 'dirfd', 'flags', 'mode', 'path_truncated', 'path_unreadable'],
      (e) => [
        e.syscall,
        e.result,
        e.path,
        e.dirfd,
        e.flags,
        e.mode,
        e.pathTruncated ? 1 : 0,
        e.pathUnreadable ? 1 : 0,
      ],
      (r) => ({
        type: 'open',
        syscall: oneOf(str(r.syscall), OPEN),
        result: num(r.result),
        path: str(r.path),
        dirfd: num(r.dirfd),
        flags: num(r.flags),
        mode: num(r.mode),
        pathTruncated: bool(r.path_truncated),
        pathUnreadable: bool(r.path_unreadable),
      }),
    ),
    mapping(
      'unlink',
      ['syscall', 'result', 'path', 'dirfd', 'flags', 'path_truncated', 'path_unreadable'],
      (e) => [
        e.syscall,
        e.result,
        e.path,
        e.dirfd,
        e.flags,
        e.pathTruncated ? 1 : 0,
        e.pathUnreadable ? 1 : 0,
      ],
      (r) => ({
        type: 'unlink',
        syscall: oneOf(str(r.syscall), UNLINK),
        result: num(r.result),
        path: str(r.path),
        dirfd: num(r.dirfd),
        flags: num(r.flags),
        pathTruncated: bool(r.path_truncated),
        pathUnreadable: bool(r.path_unreadable),
      }),
    ),
    mapping(
      'rename',
      [
        'syscall',
        'result',
        'path',
        'dirfd',
        'flags',
        'new_path',
        'new_dirfd',
        'path_truncated',
        'path_unreadable',
        'new_path_truncated',
        'new_path_unreadable',
      ],
      (e) => [
        e.syscall,
        e.result,
        e.oldPath,
        e.oldDirfd,
        e.flags,
        e.newPath,
        e.newDirfd,
        e.oldPathTruncated ? 1 : 0,
        e.oldPathUnreadable ? 1 : 0,
        e.newPathTruncated ? 1 : 0,
        e.newPathUnreadable ? 1 : 0,
      ],
      (r) => ({
        type: 'rename',
        syscall: oneOf(str(r.syscall), RENAME),
        result: num(r.result),
        oldPath: str(r.path),
        newPath: str(r.new_path),
        oldDirfd: num(r.dirfd),
        newDirfd: num(r.new_dirfd),
        flags: num(r.flags),
        oldPathTruncated: bool(r.path_truncated),
        oldPathUnreadable: bool(r.path_unreadable),
        newPathTruncated: bool(r.new_path_truncated),
        newPathUnreadable: bool(r.new_path_unreadable),
      }),
    ),
    mapping(
      'chmod',
      ['syscall', 'result', 'path', 'dirfd', 'flags', 'mode', 'fd', 'path_truncated', 'path_unreadable'],
      (e) => [
        e.syscall,
        e.result,
        e.path,
        e.dirfd,
        e.flags,
        e.mode,
        e.fd,
        e.pathTruncated ? 1 : 0,
        e.pathUnreadable ? 1 : 0,
      ],
      (r) => ({
        type: 'chmod',
        syscall: oneOf(str(r.syscall), CHMOD),
        result: num(r.result),
        path: str(r.path),
        fd: numOrNull(r.fd),
        dirfd: num(r.dirfd),
        mode: num(r.mode),
        flags: num(r.flags),
        pathTruncated: bool(r.path_truncated),
        pathUnreadable: bool(r.path_unreadable),
      }),
    ),
  ],
};
