// SPDX-License-Identifier: GPL-2.0
/* Exec policy: on sched_process_exec (raw tracepoint: the binprm without
 * kprobes), the new binary is looked up by the filename as exec'd and by
 * the inode and device of the file being run; the first candidate rule in
 * priority order whose uid and cgroup scope match decides: kill (SIGKILL
 * with bpf_send_signal; the exec has passed its point of no return, so the
 * process dies on its way back to user space, before one instruction of
 * the new image runs) or audit (recorded only). Both are recorded as
 * bw_policy_event, rate-limited per rule. */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9

BW_POLICY_MAPS(exec);

/* Candidate rules by path and by binary, per buffer (see policy_rules.h). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2 * BW_POLICY_MAX_RULES);
  __type(key, struct bw_exec_path_key);
  __type(value, struct bw_rule_set);
} exec_paths SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2 * BW_POLICY_MAX_RULES);
  __type(key, struct bw_exec_inode_key);
  __type(value, struct bw_rule_set);
} exec_inodes SEC(".maps");

/* Room for the path key (too big for the stack beside the rest). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_exec_path_key);
} exec_scratch SEC(".maps");

BW_BTF_STRUCT(bw_policy_event);
BW_BTF_STRUCT(bw_exec_path_key);
BW_BTF_STRUCT(bw_exec_inode_key);

/* st_dev as stat(2) reports it: the kernel's new_encode_dev of s_dev. */
static __always_inline __u32 encode_dev(__u32 s_dev) {
  __u32 major = s_dev >> 20, minor = s_dev & 0xfffff;
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline void record(const struct bw_policy_rule *r, __u32 slot, const char *path, __u64 ino,
                                   __u32 dev) {
  __u32 suppressed;
  if (!bw_policy_take_token(&exec_rate, &exec_settings, slot, &suppressed)) return;
  struct bw_policy_event *e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&exec_drops, BW_EV_POLICY_EXEC);
    return;
  }
  __builtin_memset(e, 0, sizeof(*e));
  bw_fill_header(&e->hdr, BW_EV_POLICY_EXEC);
  e->rule_id = r->id;
  e->suppressed = suppressed;
  e->action = r->action == BW_RULE_DENY ? BW_POLICY_DENIED : BW_POLICY_AUDITED;
  e->inode = ino;
  e->dev = dev;
  __builtin_memcpy(e->path, path, sizeof(e->path));
  bpf_ringbuf_submit(e, 0);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_policy, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 buf, count;
  if (!bw_policy_active(&exec_active, &exec_meta, &buf, &count)) return 0;

  __u32 zero = 0;
  struct bw_exec_path_key *pk = bpf_map_lookup_elem(&exec_scratch, &zero);
  if (!pk) return 0;
  /* Hash keys compare every byte: the path must be NUL-padded. */
  __builtin_memset(pk, 0, sizeof(*pk));
  pk->buf = buf;
  bpf_probe_read_kernel_str(pk->path, sizeof(pk->path), BPF_CORE_READ(bprm, filename));

  struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
  struct bw_exec_inode_key ik = {};
  ik.inode = BPF_CORE_READ(inode, i_ino);
  ik.dev = encode_dev(BPF_CORE_READ(inode, i_sb, s_dev));
  ik.buf = buf;

  struct bw_rule_set *by_path = bpf_map_lookup_elem(&exec_paths, pk);
  struct bw_rule_set *by_inode = bpf_map_lookup_elem(&exec_inodes, &ik);
  /* Tested one by one: clang may merge the two null checks into a pointer OR the verifier refuses. */
  struct bw_rule_set set = {};
  bool any = false;
  if (by_path) {
    for (int w = 0; w < BW_POLICY_RULE_WORDS; w++) set.bits[w] |= by_path->bits[w];
    any = true;
  }
  if (by_inode) {
    for (int w = 0; w < BW_POLICY_RULE_WORDS; w++) set.bits[w] |= by_inode->bits[w];
    any = true;
  }
  if (!any) return 0;

  __u32 uid = (__u32)bpf_get_current_uid_gid();
  for (__u32 i = 0; i < BW_POLICY_MAX_RULES; i++) {
    if (i >= count) break;
    if (!bw_rule_bit(&set, i)) continue;
    __u32 slot = buf * BW_POLICY_MAX_RULES + i;
    struct bw_policy_rule *r = bpf_map_lookup_elem(&exec_rules, &slot);
    if (!r || !r->active) continue;
    if (!bw_rule_scope_ok(r, uid)) continue;
    if (r->action == BW_RULE_ALLOW) return 0;
    if (r->action == BW_RULE_DENY) bpf_send_signal(SIGKILL);
    record(r, slot, pk->path, ik.inode, ik.dev);
    return 0;
  }
  return 0;
}
