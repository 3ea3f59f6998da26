/** Names of kernel enum values (uapi/linux/bpf.h), as bpftool prints them. */

const PROG_TYPES = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
];

const MAP_TYPES = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage',
  'reuseport_sockarray',
  'percpu_cgroup_storage',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
];

const LINK_TYPES = [
  'unspec',
  'raw_tracepoint',
  'tracing',
  'cgroup',
  'iter',
  'netns',
  'xdp',
  'perf_event',
  'kprobe_multi',
  'struct_ops',
  'netfilter',
  'tcx',
  'uprobe_multi',
  'netkit',
  'sockmap',
];

/** Cgroup attach types by the names bpftool and the CLI use. */
export const CGROUP_ATTACH_TYPES: Readonly<Record<string, number>> = {
  ingress: 0,
  egress: 1,
  sock_create: 2,
  sock_ops: 3,
  device: 6,
  bind4: 8,
  bind6: 9,
  connect4: 10,
  connect6: 11,
  post_bind4: 12,
  post_bind6: 13,
  sendmsg4: 14,
  sendmsg6: 15,
  sysctl: 18,
  recvmsg4: 19,
  recvmsg6: 20,
  getsockopt: 21,
  setsockopt: 22,
  getpeername4: 29,
  getpeername6: 30,
  getsockname4: 31,
  getsockname6: 32,
  sock_release: 34,
};

export const AttachType = { XDP: 37, PERF_EVENT: 41 } as const;

/** XDP attach mode flags (XDP_FLAGS_*). */
export const XdpMode = { auto: 0, skb: 2, drv: 4, hw: 8 } as const;
export type XdpModeName = keyof typeof XdpMode;

const named = (table: readonly string[], v: number): string => table[v] ?? `type ${v}`;
export const progTypeName = (t: number): string => named(PROG_TYPES, t);
export const mapTypeName = (t: number): string => named(MAP_TYPES, t);
export const linkTypeName = (t: number): string => named(LINK_TYPES, t);
export function progTypeByName(name: string): number | undefined {
  const i = PROG_TYPES.indexOf(name);
  return i < 0 ? undefined : i;
}
export function cgroupAttachTypeName(t: number): string {
  return Object.entries(CGROUP_ATTACH_TYPES).find(([, v]) => v === t)?.[0] ?? `attach type ${t}`;
}
