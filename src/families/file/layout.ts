/** Layouts of the file monitor's records and filter map values (bpf/include/file.h). */
import { HEADER, PATH_MAX } from '../../domain/layout/header.ts';
import { layout } from '../../domain/layout/struct.ts';

/** Event type numbers (enum bw_event_type). */
export const FileEventTypeId = { open: 10, unlink: 11, rename: 12, chmod: 13 } as const;

/** enum bw_file_syscall: which call produced a record. */
export const FileSyscallId = {
  open: 1,
  creat: 2,
  openat: 3,
  openat2: 4,
  unlink: 5,
  unlinkat: 6,
  rename: 7,
  renameat: 8,
  renameat2: 9,
  chmod: 10,
  fchmod: 11,
  fchmodat: 12,
  fchmodat2: 13,
} as const;

/** path_status bits. */
export const FILE_PATH_TRUNCATED = 0x1;
export const FILE_PATH_UNREADABLE = 0x2;
export const FILE_NEWPATH_TRUNCATED = 0x4;
export const FILE_NEWPATH_UNREADABLE = 0x8;

export const FILE_PREFIX_MAX = 16;
/** Size of the cgroup filter map (file_cgroups in bpf/file.bpf.c). */
export const MAX_CGROUPS = 256;
export const FILE_PREFIX_LEN = 64;

/** Fields every file record has right after the header, at the same offsets. */
const CALL = [
  ['hdr', HEADER.size, 8],
  ['result', 8],
  ['syscall', 4],
  ['path_status', 4],
] as const;

export const OPEN = layout('bw_open_event', [
  ...CALL,
  ['dirfd', 4],
  ['flags', 4],
  ['mode', 4],
  ['path_len', 4],
  ['path', PATH_MAX, 1],
]);

export const UNLINK = layout('bw_unlink_event', [
  ...CALL,
  ['dirfd', 4],
  ['flags', 4],
  ['path_len', 4],
  ['_pad', 4],
  ['path', PATH_MAX, 1],
]);

export const RENAME = layout('bw_rename_event', [
  ...CALL,
  ['olddirfd', 4],
  ['newdirfd', 4],
  ['flags', 4],
  ['newpath_len', 4],
  ['oldpath', PATH_MAX, 1],
  ['newpath', PATH_MAX, 1],
]);

export const CHMOD = layout('bw_chmod_event', [
  ...CALL,
  ['dirfd', 4],
  ['fd', 4],
  ['mode', 4],
  ['flags', 4],
  ['path_len', 4],
  ['_pad', 4],
  ['path', PATH_MAX, 1],
]);

/** Value of file_prefixes[i]. */
export const FILE_PREFIX = layout('bw_file_prefix', [
  ['len', 4],
  ['_pad', 4],
  ['bytes', FILE_PREFIX_LEN, 1],
]);

/** Value of file_config[0]. */
export const FILE_CONFIG = layout('bw_file_config', [
  ['prefix_count', 4],
  ['cgroup_count', 4],
]);

export const FILE_LAYOUTS = [HEADER, OPEN, UNLINK, RENAME, CHMOD, FILE_PREFIX, FILE_CONFIG] as const;
