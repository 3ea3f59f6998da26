/* Helpers shared by bpfwarden's kernel programs. */
#ifndef BPFWARDEN_COMMON_BPF_H
#define BPFWARDEN_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

/* Per-CPU count of records lost to a full ring buffer, by event type.
 * Userspace sums the CPUs; loss is never silent. */
#define BW_DROPS_MAP(name)                          \
  struct {                                          \
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);        \
    __uint(max_entries, BW_EV_TYPE_MAX);            \
    __type(key, __u32);                             \
    __type(value, __u64);                           \
  } name SEC(".maps")

/* Anchor a record type in the object's BTF (one pointer in .bss), so the
 * layout test and tools can read it. */
#define BW_BTF_STRUCT(name) struct name *_btf_##name __attribute__((unused))

/* Wake-up batching, set by userspace before load (monitors.<name>.wakeupBytes):
 * a record wakes the consumer only once this many bytes wait in the ring;
 * below that the consumer's periodic drain (pollIntervalMs) picks records
 * up, so a storm costs one wake-up per batch instead of one per record or
 * two. 0 keeps the kernel's default: wake whenever the consumer has caught up. */
const volatile __u64 bw_wakeup_bytes = 0;

/* Submit flags for a record going into ring rb now. */
static __always_inline __u64 bw_wakeup_flags(void *rb) {
  __u64 threshold = bw_wakeup_bytes;
  if (!threshold) return 0;
  return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= threshold ? BPF_RB_FORCE_WAKEUP
                                                                 : BPF_RB_NO_WAKEUP;
}

/* bpf_ringbuf_submit with the wake-up policy of the object. */
static __always_inline void bw_ringbuf_submit(void *rb, void *record) {
  bpf_ringbuf_submit(record, bw_wakeup_flags(rb));
}

/* bpf_ringbuf_output with the wake-up policy of the object; 0 or -errno. */
static __always_inline long bw_ringbuf_output(void *rb, void *data, __u64 size) {
  return bpf_ringbuf_output(rb, data, size, bw_wakeup_flags(rb));
}

static __always_inline void bw_count_drop(void *drops, __u32 type) {
  __u64 *n = bpf_map_lookup_elem(drops, &type);
  if (n) *n += 1;
}

/* Exclusion maps: tgid -> flags. BW_EXCLUDE_PROCESS covers the process;
 * BW_EXCLUDE_CHILDREN its children, found by the caller's parent, so a child
 * is covered from its first call (the agent's rule runner is running before
 * the agent learns its pid). */
#define BW_EXCLUDE_PROCESS 1
#define BW_EXCLUDE_CHILDREN 2

static __always_inline bool bw_exclusion_has(void *map, __u32 tgid, __u8 flag) {
  __u8 *v = bpf_map_lookup_elem(map, &tgid);
  return v && (*v & flag);
}

static __always_inline bool bw_tgid_or_parent_excluded(void *map, __u32 tgid, __u32 ppid) {
  return bw_exclusion_has(map, tgid, BW_EXCLUDE_PROCESS) ||
         (ppid && bw_exclusion_has(map, ppid, BW_EXCLUDE_CHILDREN));
}

/* The current task's process or its parent is excluded. */
static __always_inline bool bw_current_excluded(void *map) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (bw_exclusion_has(map, tgid, BW_EXCLUDE_PROCESS)) return true;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  __u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
  return ppid && bw_exclusion_has(map, ppid, BW_EXCLUDE_CHILDREN);
}

/* Fill the common header from the current task. */
static __always_inline void bw_fill_header(struct bw_event_header *h, __u32 type) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u64 uid_gid = bpf_get_current_uid_gid();
  h->ktime_ns = bpf_ktime_get_boot_ns();
  h->type = type;
  h->pid = pid_tgid >> 32;
  h->tid = (__u32)pid_tgid;
  h->ppid = BPF_CORE_READ(task, real_parent, tgid);
  h->uid = (__u32)uid_gid;
  h->gid = uid_gid >> 32;
  h->cgroup_id = bpf_get_current_cgroup_id();
  bpf_get_current_comm(h->comm, sizeof(h->comm));
}

#endif
