/** Kernel enum values (uapi/linux/bpf.h) the library names. */

export const ProgType = {
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  CGROUP_SOCK_ADDR: 18,
  RAW_TRACEPOINT: 17,
  TRACING: 26,
  LSM: 29,
} as const;

export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  PERCPU_CGROUP_STORAGE: 21,
  RINGBUF: 27,
} as const;

export const Helper = {
  probe_read_kernel: 113,
  probe_read_user: 112,
  get_current_task: 35,
  get_current_cgroup_id: 80,
  ktime_get_boot_ns: 125,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  send_signal: 109,
} as const;

const PER_CPU = new Set<number>([
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_PERCPU_HASH,
  MapType.PERCPU_CGROUP_STORAGE,
]);

export function isPerCpuMap(type: number): boolean {
  return PER_CPU.has(type);
}

/** Map update flags. */
export const UpdateFlags = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;
