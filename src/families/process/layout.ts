/** Layouts of the process monitor's records (bpf/include/process.h). */
import { HEADER, PATH_MAX } from '../../domain/layout/header.ts';
import { layout } from '../../domain/layout/struct.ts';

export const ARGS_MAX = 1024;

/** Event type numbers (enum bw_event_type). */
export const EventTypeId = { exec: 1, fork: 2, exit: 3 } as const;

export const EXEC_ARGS_TRUNCATED = 0x1;
export const EXEC_FILENAME_TRUNCATED = 0x2;

export const EXEC = layout('bw_exec_event', [
  ['hdr', HEADER.size, 8],
  ['argc', 4],
  ['args_len', 4],
  ['flags', 4],
  ['old_pid', 4],
  ['filename', PATH_MAX, 1],
  ['args', ARGS_MAX, 1],
]);

export const FORK = layout('bw_fork_event', [
  ['hdr', HEADER.size, 8],
  ['child_pid', 4],
  ['child_tid', 4],
]);

export const EXIT = layout('bw_exit_event', [
  ['hdr', HEADER.size, 8],
  ['exit_status', 4],
  ['_pad', 4],
  ['lifetime_ns', 8],
]);

export const PROCESS_LAYOUTS = [HEADER, EXEC, FORK, EXIT] as const;
