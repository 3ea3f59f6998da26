/**
 * DETAILS of a file event, read like strace: the call, its path(s) and
 * arguments, then `= result` (an errno name on failure). Pure.
 */
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Stored } from '../event-table.ts';
import type { FileEvent } from './events.ts';

type StoredFile = Stored<FileEvent>;

const AT_FDCWD = -100;
const AT_REMOVEDIR = 0x200;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const RENAME_FLAGS: readonly [number, string][] = [
  [1, 'RENAME_NOREPLACE'],
  [2, 'RENAME_EXCHANGE'],
  [4, 'RENAME_WHITEOUT'],
];

// Values differ between architectures, so take them from the platform where
// Node has them; these three are the same on every Linux architecture.
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const O_TMPFILE = 0o20000000 | (fsConstants.O_DIRECTORY ?? 0);
const O_ACCMODE = 3;

/** Multi-bit flags first, so O_SYNC is not also shown as O_DSYNC. */
const OPEN_FLAGS: readonly [number, string][] = [
  [O_TMPFILE, 'O_TMPFILE'],
  [fsConstants.O_SYNC ?? 0, 'O_SYNC'],
  [fsConstants.O_DSYNC ?? 0, 'O_DSYNC'],
  [fsConstants.O_CREAT ?? 0, 'O_CREAT'],
  [fsConstants.O_EXCL ?? 0, 'O_EXCL'],
  [fsConstants.O_NOCTTY ?? 0, 'O_NOCTTY'],
  [fsConstants.O_TRUNC ?? 0, 'O_TRUNC'],
  [fsConstants.O_APPEND ?? 0, 'O_APPEND'],
  [fsConstants.O_NONBLOCK ?? 0, 'O_NONBLOCK'],
  [fsConstants.O_DIRECTORY ?? 0, 'O_DIRECTORY'],
  [fsConstants.O_NOFOLLOW ?? 0, 'O_NOFOLLOW'],
  [fsConstants.O_NOATIME ?? 0, 'O_NOATIME'],
  [fsConstants.O_DIRECT ?? 0, 'O_DIRECT'],
  [O_CLOEXEC, 'O_CLOEXEC'],
  [O_PATH, 'O_PATH'],
];

const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.errno)) {
  if (!ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);
}
// Where Node lists an alias first, use the name the kernel sources use.
for (const name of ['EOPNOTSUPP', 'EAGAIN', 'EDEADLK'] as const) {
  const n = osConstants.errno[name];
  if (n !== undefined) ERRNO_NAMES.set(n, name);
}

/** O_RDONLY|O_CREAT|..., with unknown bits as hex (e.g. O_LARGEFILE, which Node does not name). */
export function openFlagNames(flags: number): string {
  const acc = flags & O_ACCMODE;
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][acc]!];
  let rest = flags & ~O_ACCMODE;
  for (const [bits, name] of OPEN_FLAGS) {
    if (bits !== 0 && (rest & bits) === bits) {
      names.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.join('|');
}

function bitNames(flags: number, table: readonly [number, string][]): string {
  const names: string[] = [];
  let rest = flags;
  for (const [bits, name] of table) {
    if ((rest & bits) === bits) {
      names.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.join('|');
}

/** `= 3`, `= 0`, `= -2 ENOENT`. */
export function resultText(result: number): string {
  if (result >= 0) return `= ${result}`;
  const name = ERRNO_NAMES.get(-result);
  return name ? `= ${result} ${name}` : `= ${result}`;
}

/** Quotes a path only when a shell would need it (the rule event-row uses for argv). */
function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function pathText(path: string, truncated: boolean, unreadable: boolean): string {
  if (unreadable) return '<unreadable>';
  return truncated ? `${shellQuote(path)}…` : shellQuote(path);
}

/** dirfd only when it matters: a relative path from a directory other than the cwd. */
function dirfdText(dirfd: number, path: string): string[] {
  return dirfd !== AT_FDCWD && !path.startsWith('/') ? [`dirfd=${dirfd}`] : [];
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

export function fileDetails(e: StoredFile): string {
  switch (e.type) {
    case 'open': {
      const parts = [
        e.syscall,
        ...dirfdText(e.dirfd, e.path),
        pathText(e.path, e.pathTruncated, e.pathUnreadable),
      ];
      parts.push(openFlagNames(e.flags));
      const creates = (e.flags & (fsConstants.O_CREAT ?? 0)) !== 0 || (e.flags & O_TMPFILE) === O_TMPFILE;
      if (creates) parts.push(`mode=${octal(e.mode)}`);
      parts.push(resultText(e.result));
      return parts.join(' ');
    }
    case 'unlink': {
      const parts = [
        e.syscall,
        ...dirfdText(e.dirfd, e.path),
        pathText(e.path, e.pathTruncated, e.pathUnreadable),
      ];
      if (e.flags !== 0) parts.push(bitNames(e.flags, [[AT_REMOVEDIR, 'AT_REMOVEDIR']]));
      parts.push(resultText(e.result));
      return parts.join(' ');
    }
    case 'rename': {
      const parts = [
        e.syscall,
        ...dirfdText(e.oldDirfd, e.oldPath),
        pathText(e.oldPath, e.oldPathTruncated, e.oldPathUnreadable),
        '→',
        ...dirfdText(e.newDirfd, e.newPath),
        pathText(e.newPath, e.newPathTruncated, e.newPathUnreadable),
      ];
      if (e.flags !== 0) parts.push(bitNames(e.flags, RENAME_FLAGS));
      parts.push(resultText(e.result));
      return parts.join(' ');
    }
    case 'chmod': {
      const parts: string[] = [e.syscall];
      if (e.fd !== null) parts.push(`fd=${e.fd}`);
      else parts.push(...dirfdText(e.dirfd, e.path), pathText(e.path, e.pathTruncated, e.pathUnreadable));
      parts.push(`mode=${octal(e.mode)}`);
      if (e.flags !== 0) {
        parts.push(
          bitNames(e.flags, [
            [AT_SYMLINK_NOFOLLOW, 'AT_SYMLINK_NOFOLLOW'],
            [AT_EMPTY_PATH, 'AT_EMPTY_PATH'],
          ]),
        );
      }
      parts.push(resultText(e.result));
      return parts.join(' ');
    }
  }
}
