/* Helpers shared by the egress and exec policy programs: which buffer is
 * active, whether a rule's scope covers the current task, and per-rule
 * rate limiting of decision records. */
#ifndef BPFWARDEN_POLICY_COMMON_BPF_H
#define BPFWARDEN_POLICY_COMMON_BPF_H

#include "common.bpf.h"
#include "policy.h"
#include "policy_rules.h"

/* Declares the maps every policy object has, prefixed with its name. */
#define BW_POLICY_MAPS(prefix)                                   \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_ARRAY);                            \
    __uint(max_entries, 2 * BW_POLICY_MAX_RULES);                \
    __type(key, __u32);                                          \
    __type(value, struct bw_policy_rule);                        \
  } prefix##_rules SEC(".maps");                                 \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_ARRAY);                            \
    __uint(max_entries, 2);                                      \
    __type(key, __u32);                                          \
    __type(value, struct bw_policy_meta);                        \
  } prefix##_meta SEC(".maps");                                  \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_ARRAY);                            \
    __uint(max_entries, 1);                                      \
    __type(key, __u32);                                          \
    __type(value, __u32);                                        \
  } prefix##_active SEC(".maps");                                \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_ARRAY);                            \
    __uint(max_entries, 2 * BW_POLICY_MAX_RULES);                \
    __type(key, __u32);                                          \
    __type(value, struct bw_policy_rate);                        \
  } prefix##_rate SEC(".maps");                                  \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_ARRAY);                            \
    __uint(max_entries, 1);                                      \
    __type(key, __u32);                                          \
    __type(value, struct bw_policy_settings);                    \
  } prefix##_settings SEC(".maps");                              \
  struct {                                                       \
    __uint(type, BPF_MAP_TYPE_RINGBUF);                          \
    __uint(max_entries, 1 << 20);                                \
  } prefix##_events SEC(".maps");                                \
  BW_DROPS_MAP(prefix##_drops)

/* The active buffer and its rule count; false when no rule is loaded. */
static __always_inline bool bw_policy_active(void *active_map, void *meta_map, __u32 *buf, __u32 *count) {
  __u32 zero = 0;
  __u32 *a = bpf_map_lookup_elem(active_map, &zero);
  if (!a) return false;
  __u32 b = *a & 1;
  struct bw_policy_meta *m = bpf_map_lookup_elem(meta_map, &b);
  if (!m || m->count == 0) return false;
  *buf = b;
  *count = m->count;
  return true;
}

/* uid and cgroup scope of a rule against the current task. */
static __always_inline bool bw_rule_scope_ok(const struct bw_policy_rule *r, __u32 uid) {
  if ((r->flags & BW_RULE_HAS_UID) && r->uid != uid) return false;
  if (r->flags & BW_RULE_HAS_CGROUP) {
    /* The task's ancestor at the rule cgroup's depth is the rule's cgroup
     * exactly when the task is in it or below it. */
    if (bpf_get_current_ancestor_cgroup_id(r->cgroup_level) != r->cgroup_id) return false;
  }
  return true;
}

/* True when rule slot `slot` may emit one more record now; otherwise counts
 * it as suppressed. *suppressed gets (and clears) the count to report. */
static __always_inline bool bw_policy_take_token(void *rate_map, void *settings_map, __u32 slot,
                                                 __u32 *suppressed) {
  *suppressed = 0;
  __u32 zero = 0;
  struct bw_policy_settings *s = bpf_map_lookup_elem(settings_map, &zero);
  struct bw_policy_rate *r = bpf_map_lookup_elem(rate_map, &slot);
  if (!r) return true;
  if (s && s->cost_ns) {
    __u64 now = bpf_ktime_get_boot_ns();
    __u64 credit = r->credit_ns;
    if (r->last_ns == 0) {
      credit = s->burst_ns; /* first record of this slot: start full */
    } else if (now > r->last_ns) {
      credit += now - r->last_ns;
      if (credit > s->burst_ns) credit = s->burst_ns;
    }
    r->last_ns = now;
    if (credit < s->cost_ns) {
      r->credit_ns = credit;
      __sync_fetch_and_add(&r->suppressed, 1);
      return false;
    }
    r->credit_ns = credit - s->cost_ns;
  }
  /* Subtract what was read rather than zeroing: increments racing on other CPUs are kept. */
  __u32 n = r->suppressed;
  if (n) __sync_fetch_and_add(&r->suppressed, -n);
  *suppressed = n;
  return true;
}

/* True when bit i is set in a rule set. */
static __always_inline bool bw_rule_bit(const struct bw_rule_set *set, __u32 i) {
  return (set->bits[(i >> 6) & (BW_POLICY_RULE_WORDS - 1)] >> (i & 63)) & 1;
}

#endif
