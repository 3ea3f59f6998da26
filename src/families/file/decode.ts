/**
 * Decodes file monitor records (open, unlink, rename, chmod). The kernel
 * sends each record only up to the end of its last path, so a record may be
 * shorter than its struct: the last path is read up to the record's end.
 */
import type { BootClock } from '../../domain/clock.ts';
import { cachedStrings, PLAIN_STRINGS, type StringReader } from '../../domain/decode/string-cache.ts';
import { COMM_LEN, HEADER } from '../../domain/layout/header.ts';
import type { Field } from '../../domain/layout/struct.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, headerTypeId, u64 } from '../header.ts';
import type {
  ChmodSyscall,
  FileEvent,
  FileSyscall,
  OpenSyscall,
  RenameSyscall,
  UnlinkSyscall,
} from './events.ts';
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
} from './layout.ts';

export type FileDecodeResult = FileEvent | { readonly error: string };

export type FileDecoderSpec = DecoderSpecOf<'file'>;

export function fileDecoder(_spec: FileDecoderSpec, clock: BootClock): RecordDecoder<FileEvent> {
  // Storms repeat a few comms and paths: decoded once, then looked up.
  const strings = cachedStrings();
  return (b, v, off, size) => decodeFileRecord(b, v, off, size, clock, strings);
}

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
function lastPath(bytes: Uint8Array, off: number, size: number, field: Field, strings: StringReader): string {
  return strings.path(bytes, off + field.offset, Math.min(field.size, size - field.offset));
}

/** Syscall names by id, for each family (undefined: not one of the family's). */
function byId<S extends FileSyscall>(allowed: readonly S[]): (S | undefined)[] {
  const out: (S | undefined)[] = [];
  for (const [id, name] of SYSCALL_NAMES)
    if ((allowed as readonly string[]).includes(name)) out[id] = name as S;
  return out;
}

const OPEN_BY_ID = byId(OPEN_SYSCALLS);
const UNLINK_BY_ID = byId(UNLINK_SYSCALLS);
const RENAME_BY_ID = byId(RENAME_SYSCALLS);
const CHMOD_BY_ID = byId(CHMOD_SYSCALLS);

/** Every type must hold its fixed fields and at least the first byte of its last path. */
function short(name: string, size: number, last: Field): { error: string } | undefined {
  return size <= last.offset
    ? { error: `${name} record of ${size} bytes, expected at least ${last.offset + 1}` }
    : undefined;
}

function unknownSyscall(name: string, id: number): { error: string } {
  return { error: `${name} record with unknown syscall ${id}` };
}

const H = HEADER.fields;

/**
 * Decodes one record at [off, off+size). Malformed records give an error,
 * never a throw. Each event is built as one object literal (no header object
 * spread into it): opens arrive by the hundred thousand per second.
 */
export function decodeFileRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
  strings: StringReader = PLAIN_STRINGS,
): FileDecodeResult {
  if (off < 0 || size < 0 || off + size > bytes.length) {
    return { error: `record of ${size} bytes overruns its batch` };
  }
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  switch (typeId) {
    case FileEventTypeId.open: {
      const bad = short('open', size, O.path);
      if (bad) return bad;
      const sysId = u32(v, off + O.syscall.offset);
      const sys = OPEN_BY_ID[sysId];
      if (sys === undefined) return unknownSyscall('open', sysId);
      const status = u32(v, off + O.path_status.offset);
      const ktimeNs = u64(v, off + H.ktime_ns.offset);
      return {
        timeUs: clock.toWallUs(ktimeNs),
        ktimeNs,
        type: 'open',
        pid: u32(v, off + H.pid.offset),
        tid: u32(v, off + H.tid.offset),
        ppid: u32(v, off + H.ppid.offset),
        uid: u32(v, off + H.uid.offset),
        gid: u32(v, off + H.gid.offset),
        cgroupId: u64(v, off + H.cgroup_id.offset),
        comm: strings.comm(bytes, off + H.comm.offset, COMM_LEN),
        syscall: sys,
        result: i64(v, off + O.result.offset),
        path: lastPath(bytes, off, size, O.path, strings),
        pathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        pathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        dirfd: i32(v, off + O.dirfd.offset),
        flags: u32(v, off + O.flags.offset),
        mode: u32(v, off + O.mode.offset),
      };
    }
    case FileEventTypeId.unlink: {
      const bad = short('unlink', size, U.path);
      if (bad) return bad;
      const sysId = u32(v, off + U.syscall.offset);
      const sys = UNLINK_BY_ID[sysId];
      if (sys === undefined) return unknownSyscall('unlink', sysId);
      const status = u32(v, off + U.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'unlink', clock),
        type: 'unlink',
        syscall: sys,
        result: i64(v, off + U.result.offset),
        path: lastPath(bytes, off, size, U.path, strings),
        pathTruncated: (status & FILE_PATH_TRUNCATED) !== 0,
        pathUnreadable: (status & FILE_PATH_UNREADABLE) !== 0,
        dirfd: i32(v, off + U.dirfd.offset),
        flags: u32(v, off + U.flags.offset),
      };
    }
    case FileEventTypeId.rename: {
      const bad = short('rename', size, R.newpath);
      if (bad) return bad;
      const sysId = u32(v, off + R.syscall.offset);
      const sys = RENAME_BY_ID[sysId];
      if (sys === undefined) return unknownSyscall('rename', sysId);
      const status = u32(v, off + R.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'rename', clock),
        type: 'rename',
        syscall: sys,
        result: i64(v, off + R.result.offset),
        oldPath: strings.path(bytes, off + R.oldpath.offset, R.oldpath.size),
        newPath: lastPath(bytes, off, size, R.newpath, strings),
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
      const bad = short('chmod', size, C.path);
      if (bad) return bad;
      const sysId = u32(v, off + C.syscall.offset);
      const sys = CHMOD_BY_ID[sysId];
      if (sys === undefined) return unknownSyscall('chmod', sysId);
      const status = u32(v, off + C.path_status.offset);
      return {
        ...decodeHeader(bytes, v, off, 'chmod', clock),
        type: 'chmod',
        syscall: sys,
        result: i64(v, off + C.result.offset),
        path: lastPath(bytes, off, size, C.path, strings),
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
