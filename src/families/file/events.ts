/**
 * File events: open, unlink, rename, chmod. Each is one system call as the
 * caller made it, with its result: paths are as passed (relative ones are
 * relative to `dirfd`, or to the cwd when dirfd is AT_FDCWD), never resolved.
 */
import type { EventBase } from '../../domain/event-base.ts';

export const FILE_EVENT_TYPES = ['open', 'unlink', 'rename', 'chmod'] as const;

/** dirfd meaning "the caller's working directory"; also recorded for calls without a dirfd. */
export const AT_FDCWD = -100;

export type OpenSyscall = 'open' | 'creat' | 'openat' | 'openat2';
export type UnlinkSyscall = 'unlink' | 'unlinkat';
export type RenameSyscall = 'rename' | 'renameat' | 'renameat2';
export type ChmodSyscall = 'chmod' | 'fchmod' | 'fchmodat' | 'fchmodat2';
export type FileSyscall = OpenSyscall | UnlinkSyscall | RenameSyscall | ChmodSyscall;

/** What every file event says about its call. */
interface FileCall<S extends FileSyscall> {
  /** The system call that was made (an event type groups several). */
  readonly syscall: S;
  /** The call's return value: >= 0 on success (open: the fd), -errno on failure (-2 is ENOENT). */
  readonly result: number;
}

/** A path as the kernel captured it from the caller's memory. */
interface CapturedPath {
  readonly path: string;
  /** The path filled the kernel's 255-byte field and was cut. */
  readonly pathTruncated: boolean;
  /** The kernel could not read the path from the caller (bad pointer, page not resident): path is ''. */
  readonly pathUnreadable: boolean;
}

export interface OpenEvent extends EventBase, FileCall<OpenSyscall>, CapturedPath {
  readonly type: 'open';
  /** Directory fd a relative path starts from; AT_FDCWD (-100) for open and creat. */
  readonly dirfd: number;
  /** O_* flags as passed (creat: O_CREAT|O_WRONLY|O_TRUNC; openat2: how.flags). */
  readonly flags: number;
  /** Permission bits as passed; meaningful only with O_CREAT or O_TMPFILE. */
  readonly mode: number;
}

export interface UnlinkEvent extends EventBase, FileCall<UnlinkSyscall>, CapturedPath {
  readonly type: 'unlink';
  readonly dirfd: number;
  /** unlinkat flags: AT_REMOVEDIR (0x200) when removing a directory; 0 for unlink. */
  readonly flags: number;
}

export interface RenameEvent extends EventBase, FileCall<RenameSyscall> {
  readonly type: 'rename';
  readonly oldPath: string;
  readonly newPath: string;
  readonly oldDirfd: number;
  readonly newDirfd: number;
  /** renameat2 flags: RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4; 0 otherwise. */
  readonly flags: number;
  readonly oldPathTruncated: boolean;
  readonly oldPathUnreadable: boolean;
  readonly newPathTruncated: boolean;
  readonly newPathUnreadable: boolean;
}

export interface ChmodEvent extends EventBase, FileCall<ChmodSyscall>, CapturedPath {
  readonly type: 'chmod';
  /** fchmod's file descriptor (its path is ''); null for the calls that take a path. */
  readonly fd: number | null;
  readonly dirfd: number;
  /** The new permission bits as passed. */
  readonly mode: number;
  /** fchmodat2 flags (AT_SYMLINK_NOFOLLOW 0x100, AT_EMPTY_PATH 0x1000); 0 otherwise. */
  readonly flags: number;
}

export type FileEvent = OpenEvent | UnlinkEvent | RenameEvent | ChmodEvent;
