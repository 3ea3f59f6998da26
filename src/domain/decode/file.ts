/**
 * Decodes file monitor records (open, unlink, rename, chmod). The kernel
 * sends each record only up to the end of its last path, so a record may be
 * shorter than its struct: the last path is read up to the record's end.
 */
import type { BootClock } from '../clock.ts';
import type {
  ChmodSyscall,
  FileEvent,
  FileSyscall,
  OpenSyscall,
  RenameSyscall,
  UnlinkSyscall,
} from '../events/file.ts';
import {
  CHMOD,
  FILE_NEWPATH_TRUNCATED,
  FILE_NEWPATH_UNREADABLE,
  FILE_PATH_TRUNCATED,
  FILE_PATH_UNREADABLE,
  FileEventTypeId,
  FileSyscallId,
  OPEN,
  RENAME,
  UNLINK,
} from '../layout/file.ts';
import { HEADER } from '../layout/process.ts';
import type { Field } from '../layout/struct.ts';
import { readCString } from './cstring.ts';
import { decodeHeader, headerTypeId } from './header.ts';

export type FileDecodeResult = FileEvent | { readonly error: string };

const O = OPEN.fields;
const U = UNLINK.fields;
const R = RENAME.fields;
const C = CHMOD.fields;

const SYSCALL_NAMES = new Map<number, FileSyscall>(
  Object.entries(FileSyscallId).map(([name, id]) => [id, name as FileSyscall]),
);

const OPEN_SYSCALLS: readonly OpenSyscall[] = ['open', 'creat', 'openat', 'openat2'];
const UNLINK_SYSCALLS: readonly UnlinkSyscall[] = ['unlink', 'unlinkat'];
const RENAME_SYSCALLS: readonly RenameSyscall[] = ['rename', 'renameat', 'renameat2'];
const CHMOD_SYSCALLS: readonly ChmodSyscall[] = ['chmod', 'fchmod', 'fchmodat', 'fchmodat2'];

/** A little-endian s64 as a number, without BigInt (exact within ±2^53). */
function i64(v: DataView, off: number): number {
  return v.getInt32(off + 4, true) * 4294967296 + v.getUint32(off, true);
}

const i32 = (v: DataView, off: number): number => v.getInt32(off, true);
const u32 = (v: DataView, off: number): number => v.getUint32(off, true);

/** A path field that may run past the end of the record (the last one). */
function lastPath(bytes: Uint8Array, off: number, size: number, field: Field): string {
  return readCString(bytes, off + field.offset, Math.min(field.size, size - field.offset));
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw. */
export function decodeFileRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
): FileDecodeResult {
  if (off < 0 || size < 0 || off + size > bytes.length) {
    return { error: `record of ${size} bytes overruns its batch` };
  }
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  // Every type must hold its fixed fields and at least the first byte of its last path.
  const need = (name: string, last: Field): { error: string } | undefined =>
    size <= last.offset
      ? { error: `${name} record of ${size} bytes, expected at least ${last.offset + 1}` }
      : undefined;
  const syscall = <S extends FileSyscall>(name: string, allowed: readonly S[]): S | { error: string } => {
    const id = u32(v, off + O.syscall.offset);
    const s = allowed.find((x) => x === SYSCALL_NAMES.get(id));
    return s ?? { error: `${name} record with unknown syscall ${id}` };
  };
  switch (typeId) {
    case FileEventTypeId.open: {
      const short = need('open', O.path);
      if (short) return short;
      const sys = syscall('open', OPEN_SYSCALLS);
      if (typeof sys !== 'string') return sys;
      const status = u32(v, off + O.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'open', clock),
        type: 'open',
        syscall: sys,
        result: i64(v, off + O.result.offset),
        path: lastPath(bytes, off, size, O.path),
        pathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        pathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        dirfd: i32(v, off + O.dirfd.offset),
        flags: u32(v, off + O.flags.offset),
        mode: u32(v, off + O.mode.offset),
      };
    }
    case FileEventTypeId.unlink: {
      const short = need('unlink', U.path);
      if (short) return short;
      const sys = syscall('unlink', UNLINK_SYSCALLS);
      if (typeof sys !== 'string') return sys;
      const status = u32(v, off + U.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'unlink', clock),
        type: 'unlink',
        syscall: sys,
        result: i64(v, off + U.result.offset),
        path: lastPath(bytes, off, size, U.path),
        pathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        pathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        dirfd: i32(v, off + U.dirfd.offset),
        flags: u32(v, off + U.flags.offset),
      };
    }
    case FileEventTypeId.rename: {
      const short = need('rename', R.newpath);
      if (short) return short;
      const sys = syscall('rename', RENAME_SYSCALLS);
      if (typeof sys !== 'string') return sys;
      const status = u32(v, off + R.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'rename', clock),
        type: 'rename',
        syscall: sys,
        result: i64(v, off + R.result.offset),
        oldPath: readCString(bytes, off + R.oldpath.offset, R.oldpath.size),
        newPath: lastPath(bytes, off, size, R.newpath),
        oldDirfd: i32(v, off + R.olddirfd.offset),
        newDirfd: i32(v, off + R.newdirfd.offset),
        flags: u32(v, off + R.flags.offset),
        oldPathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        oldPathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        newPathTruncated: (status & FILE_NEWPATH_TRUNCATED) !== 0,
        newPathUnreadable: (status & FILE_NEWPATH_UNREADABLE) !== 0,
      };
    }
    case FileEventTypeId.chmod: {
      const short = need('chmod', C.path);
      if (short) return short;
      const sys = syscall('chmod', CHMOD_SYSCALLS);
      if (typeof sys !== 'string') return sys;
      const status = u32(v, off + C.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'chmod', clock),
        type: 'chmod',
        syscall: sys,
        result: i64(v, off + C.result.offset),
        path: lastPath(bytes, off, size, C.path),
        pathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        pathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        fd: sys === 'fchmod' ? i32(v, off + C.fd.offset) : null,
        dirfd: i32(v, off + C.dirfd.offset),
        mode: u32(v, off + C.mode.offset),
        flags: u32(v, off + C.flags.offset),
      };
    }
    default:
      return { error: `unknown file event type ${typeId}` };
  }
}
