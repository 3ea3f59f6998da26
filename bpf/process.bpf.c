// SPDX-License-Identifier: GPL-2.0
/* Process monitor: exec, fork and exit from raw scheduler tracepoints (typed
 * task pointers without kprobes or fentry). Records go to their own ring
 * buffer so file or network floods can never cost a process event. */
#include "common.bpf.h"
#include "process.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before load: true when sched_process_exit carries
 * group_dead (6.16+); otherwise the live-thread count decides. */
const volatile bool exit_has_group_dead = false;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20);
} process_events SEC(".maps");

BW_DROPS_MAP(process_drops);

/* Keep the record types in BTF for the layout test and for tools. */
BW_BTF_STRUCT(bw_exec_event);
BW_BTF_STRUCT(bw_fork_event);
BW_BTF_STRUCT(bw_exit_event);

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  struct bw_exec_event *e = bpf_ringbuf_reserve(&process_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&process_drops, BW_EV_EXEC);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_EXEC);
  e->old_pid = old_pid;
  e->argc = BPF_CORE_READ(bprm, argc);
  e->flags = 0;

  const char *fname = BPF_CORE_READ(bprm, filename);
  long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), fname);
  if (n == sizeof(e->filename)) {
    /* Exactly full: the name may have been cut. Check the next byte. */
    char next = 0;
    bpf_probe_read_kernel(&next, 1, fname + sizeof(e->filename) - 1);
    if (next) e->flags |= BW_EXEC_FILENAME_TRUNCATED;
  }

  struct mm_struct *mm = BPF_CORE_READ(p, mm);
  unsigned long start = BPF_CORE_READ(mm, arg_start);
  unsigned long end = BPF_CORE_READ(mm, arg_end);
  __u64 len = end > start ? end - start : 0;
  if (len > BW_ARGS_MAX) {
    len = BW_ARGS_MAX;
    e->flags |= BW_EXEC_ARGS_TRUNCATED;
  }
  barrier_var(len);
  if (len > BW_ARGS_MAX) len = 0;
  if (bpf_probe_read_user(e->args, len, (void *)start) != 0) len = 0;
  e->args_len = len;

  bw_ringbuf_submit(&process_events, e);
  return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child) {
  /* Threads share the parent's thread group: not a new process. */
  __u32 child_tgid = BPF_CORE_READ(child, tgid);
  __u32 child_tid = BPF_CORE_READ(child, pid);
  if (child_tgid != child_tid) return 0;

  struct bw_fork_event *e = bpf_ringbuf_reserve(&process_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&process_drops, BW_EV_FORK);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_FORK);
  e->child_pid = child_tgid;
  e->child_tid = child_tid;
  bw_ringbuf_submit(&process_events, e);
  return 0;
}

SEC("raw_tp/sched_process_exit")
int handle_exit(struct bpf_raw_tracepoint_args *ctx) {
  struct task_struct *p = (struct task_struct *)ctx->args[0];
  bool group_dead;
  if (exit_has_group_dead)
    group_dead = (bool)ctx->args[1];
  else
    group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
  if (!group_dead) return 0; /* a thread, not the whole process */

  struct bw_exit_event *e = bpf_ringbuf_reserve(&process_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&process_drops, BW_EV_EXIT);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_EXIT);
  e->exit_status = BPF_CORE_READ(p, exit_code);
  e->_pad = 0;
  __u64 start = BPF_CORE_READ(p, group_leader, start_boottime);
  e->lifetime_ns = e->hdr.ktime_ns > start ? e->hdr.ktime_ns - start : 0;
  bw_ringbuf_submit(&process_events, e);
  return 0;
}
