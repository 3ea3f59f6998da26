// SPDX-License-Identifier: GPL-2.0
/* Exec policy: on sched_process_exec (raw tracepoint: the binprm without
 * kprobes), the new binary is looked up by the filename as exec'd and by
 * the inode and device of the file being run; the first candidate rule in
 * priority order whose uid and cgroup scope match decides: kill (SIGKILL
 * with bpf_send_signal; the exec has passed its point of no return, so the
 * process dies on its way back to user space, before one instruction of
 * the new image runs) or audit (recorded only). Both are recorded as
 * bw_policy_event, rate-limited per rule.
 *
 * Content (sha256) rules are matched through verdicts the agent computes
 * (see policy_rules.h): a file with a verdict for the current rule set
 * adds the slots its content matched; a file without one, when a content
 * rule would be the first to decide, is stopped and the agent asked. With
 * no live agent the content rules are passed over (fail open). */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9
#define SIGCONT 18
#define SIGSTOP 19

/* Heartbeat older than this (when the agent sets no other): no live agent. */
#define BW_VERIFIER_STALE_NS (3ULL * 1000000000ULL)

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

/* Content rules: digest -> slots (read by the agent), and per buffer the
 * slots of every content rule (its presence says there are any). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2 * BW_POLICY_MAX_RULES);
  __type(key, struct bw_exec_sha_key);
  __type(value, struct bw_rule_set);
} exec_sha256 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct bw_rule_set);
} exec_sha_slots SEC(".maps");

/* File identity -> the content slots it matched (empty: none), by the agent. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct bw_exec_file_key);
  __type(value, struct bw_rule_set);
} exec_verdicts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_exec_verifier);
} exec_verifier SEC(".maps");

/* Requests to the agent: one per stopped exec. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 18);
} exec_verify SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_exec_verify);
} exec_vscratch SEC(".maps");

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
BW_BTF_STRUCT(bw_exec_sha_key);
BW_BTF_STRUCT(bw_exec_file_key);
BW_BTF_STRUCT(bw_exec_verifier);
BW_BTF_STRUCT(bw_exec_verify);

/* inode ctime before 6.11 (one timespec64, renamed __i_ctime in 6.6). */
struct inode___v66 {
  struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));
struct inode___old {
  struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* st_dev as stat(2) reports it: the kernel's new_encode_dev of s_dev. */
static __always_inline __u32 encode_dev(__u32 s_dev) {
  __u32 major = s_dev >> 20, minor = s_dev & 0xfffff;
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline void read_ctime(struct inode *inode, __u64 *sec, __u32 *nsec) {
  if (bpf_core_field_exists(inode->i_ctime_sec)) {
    *sec = BPF_CORE_READ(inode, i_ctime_sec);
    *nsec = BPF_CORE_READ(inode, i_ctime_nsec);
  } else if (bpf_core_field_exists(((struct inode___v66 *)inode)->__i_ctime)) {
    struct inode___v66 *i = (void *)inode;
    *sec = BPF_CORE_READ(i, __i_ctime.tv_sec);
    *nsec = BPF_CORE_READ(i, __i_ctime.tv_nsec);
  } else {
    struct inode___old *i = (void *)inode;
    *sec = BPF_CORE_READ(i, i_ctime.tv_sec);
    *nsec = BPF_CORE_READ(i, i_ctime.tv_nsec);
  }
  /* Multigrain timestamps (6.13+) keep a "queried" flag in bit 31 of the nanoseconds. */
  *nsec &= 0x3fffffff;
}

/* An agent is alive to hash and decide, and this is not the agent or its child (it would wait on itself). */
static __always_inline bool verifier_live(void) {
  __u32 zero = 0;
  struct bw_exec_verifier *v = bpf_map_lookup_elem(&exec_verifier, &zero);
  if (!v || !v->heartbeat_ns) return false;
  __u64 stale = v->stale_ns ? v->stale_ns : BW_VERIFIER_STALE_NS;
  if (bpf_ktime_get_ns() > v->heartbeat_ns + stale) return false;
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  return tgid != v->tgid && BPF_CORE_READ(task, real_parent, tgid) != v->tgid;
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

  /* Content rules: the file's verdict adds its slots; without one, they are candidates to verify. */
  struct bw_rule_set unknown = {};
  bool verify = false;
  struct bw_exec_file_key fk = {};
  struct bw_rule_set *sha = bpf_map_lookup_elem(&exec_sha_slots, &buf);
  if (sha) {
    struct bw_policy_meta *m = bpf_map_lookup_elem(&exec_meta, &buf);
    fk.inode = ik.inode;
    fk.dev = ik.dev;
    fk.size = BPF_CORE_READ(inode, i_size);
    fk.fingerprint = m ? m->fingerprint : 0;
    read_ctime(inode, &fk.ctime_sec, &fk.ctime_nsec);
    struct bw_rule_set *v = bpf_map_lookup_elem(&exec_verdicts, &fk);
    if (v) {
      for (int w = 0; w < BW_POLICY_RULE_WORDS; w++) set.bits[w] |= v->bits[w];
      any = true;
    } else {
      for (int w = 0; w < BW_POLICY_RULE_WORDS; w++) unknown.bits[w] = sha->bits[w];
      verify = true;
    }
  }
  /* Without a live agent content rules are passed over: path and binary rules still decide. */
  if (verify && !verifier_live()) verify = false;
  if (!any && !verify) return 0;

  /* The first candidate, active and in scope, decides; a content rule without a verdict means: ask. */
  __u32 uid = (__u32)bpf_get_current_uid_gid();
  __u32 first = BW_POLICY_MAX_RULES;
  for (__u32 i = 0; i < BW_POLICY_MAX_RULES; i++) {
    if (i >= count) break;
    bool known = bw_rule_bit(&set, i);
    if (!known && !(verify && bw_rule_bit(&unknown, i))) continue;
    __u32 slot = buf * BW_POLICY_MAX_RULES + i;
    struct bw_policy_rule *r = bpf_map_lookup_elem(&exec_rules, &slot);
    if (!r || !r->active) continue;
    if (!bw_rule_scope_ok(r, uid)) continue;
    if (known) {
      if (r->action == BW_RULE_ALLOW) return 0;
      if (r->action == BW_RULE_DENY) bpf_send_signal(SIGKILL);
      record(r, slot, pk->path, ik.inode, ik.dev);
      return 0;
    }
    first = i;
    break;
  }
  if (first >= BW_POLICY_MAX_RULES) return 0;

  struct bw_exec_verify *req = bpf_map_lookup_elem(&exec_vscratch, &zero);
  if (!req) return 0;
  __builtin_memset(req, 0, sizeof(*req));
  /* The agent decides among the candidates that are active and in scope, once it knows which
   * content slots the file matches. None comes before `first` (it would have decided above).
   * Filtered in place in the map value, with the count read again: the verifier tracks neither
   * (the loop above left count's bounds different at each exit), so one pass of this loop
   * serves every way here. */
  struct bw_policy_meta *meta = bpf_map_lookup_elem(&exec_meta, &buf);
  if (!meta) return 0;
  count = meta->count;
  req->matched = set;
  for (int w = 0; w < BW_POLICY_RULE_WORDS; w++) req->applicable.bits[w] = set.bits[w] | unknown.bits[w];
  for (__u32 i = 0; i < BW_POLICY_MAX_RULES; i++) {
    if (i >= count) break;
    if (!bw_rule_bit(&req->applicable, i)) continue;
    __u32 slot = buf * BW_POLICY_MAX_RULES + i;
    struct bw_policy_rule *r = bpf_map_lookup_elem(&exec_rules, &slot);
    if (r && r->active && bw_rule_scope_ok(r, uid)) continue;
    req->applicable.bits[(i >> 6) & (BW_POLICY_RULE_WORDS - 1)] &= ~(1ULL << (i & 63));
  }

  bw_fill_header(&req->ev.hdr, BW_EV_POLICY_EXEC);
  req->ev.inode = ik.inode;
  req->ev.dev = ik.dev;
  __builtin_memcpy(req->ev.path, pk->path, sizeof(req->ev.path));
  req->key = fk;
  req->start_boottime = BPF_CORE_READ(p, group_leader, start_boottime);
  req->buf = buf;
  /* Stop first, then ask: the agent's SIGCONT can never come before the stop. */
  if (bpf_send_signal(SIGSTOP) != 0) return 0;
  if (bpf_ringbuf_output(&exec_verify, req, sizeof(*req), 0) != 0) {
    /* Nobody will hear of it: a SIGCONT cancels the pending stop. */
    bpf_send_signal(SIGCONT);
    bw_count_drop(&exec_drops, BW_EV_POLICY_EXEC);
  }
  return 0;
}
