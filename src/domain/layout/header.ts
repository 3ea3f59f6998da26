/** The common record header every family's record starts with (bpf/include/events.h). */
import { layout } from './struct.ts';

export const COMM_LEN = 16;
export const PATH_MAX = 256;

export const HEADER = layout('bw_event_header', [
  ['ktime_ns', 8],
  ['type', 4],
  ['pid', 4],
  ['tid', 4],
  ['ppid', 4],
  ['uid', 4],
  ['gid', 4],
  ['cgroup_id', 8],
  ['comm', COMM_LEN, 1],
]);
