// SPDX-License-Identifier: GPL-2.0
/* Egress policy: cgroup connect4/connect6/sendmsg4/sendmsg6 programs on the
 * cgroup v2 root decide every connect() and every unconnected UDP send of
 * every local process. The destination address picks candidate rules from
 * an LPM trie (the longest prefix's value holds every rule whose CIDR
 * contains it); the first candidate in priority order whose port range,
 * protocol, uid and cgroup match decides: deny (the call fails with EPERM),
 * allow, or audit (allowed and recorded). Denials and audits are recorded
 * as bw_policy_event, rate-limited per rule. */
#include "policy_common.bpf.h"
#include <bpf/bpf_endian.h>

#include "net.h"

char LICENSE[] SEC("license") = "GPL";

#define VERDICT_ALLOW 1
#define VERDICT_DENY 0

BW_POLICY_MAPS(egress);

/* Candidate rules by destination, per buffer (see policy_rules.h). */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 4 * BW_POLICY_MAX_RULES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bw_lpm4_key);
  __type(value, struct bw_rule_set);
} egress_lpm4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 4 * BW_POLICY_MAX_RULES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bw_lpm6_key);
  __type(value, struct bw_rule_set);
} egress_lpm6 SEC(".maps");

BW_BTF_STRUCT(bw_policy_event);
BW_BTF_STRUCT(bw_policy_rule);
BW_BTF_STRUCT(bw_rule_set);
BW_BTF_STRUCT(bw_policy_meta);
BW_BTF_STRUCT(bw_policy_rate);
BW_BTF_STRUCT(bw_policy_settings);
BW_BTF_STRUCT(bw_lpm4_key);
BW_BTF_STRUCT(bw_lpm6_key);

/* The destination as the call gave it. IPv4-mapped IPv6 (a dual-stack
 * socket talking IPv4) is treated as IPv4, so IPv4 rules cover it. */
struct dest {
  __u32 ip4;      /* network order */
  __u32 ip6[4];   /* network order */
  __u16 port;     /* host order */
  __u16 family;   /* BW_AF_INET / BW_AF_INET6 */
};

static __always_inline void record(struct bpf_sock_addr *ctx, const struct bw_policy_rule *r, __u32 slot,
                                   const struct dest *d) {
  __u32 suppressed;
  if (!bw_policy_take_token(&egress_rate, &egress_settings, slot, &suppressed)) return;
  struct bw_policy_event *e = bpf_ringbuf_reserve(&egress_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&egress_drops, BW_EV_POLICY_EGRESS);
    return;
  }
  __builtin_memset(e, 0, sizeof(*e));
  bw_fill_header(&e->hdr, BW_EV_POLICY_EGRESS);
  e->rule_id = r->id;
  e->suppressed = suppressed;
  e->action = r->action == BW_RULE_DENY ? BW_POLICY_DENIED : BW_POLICY_AUDITED;
  e->family = d->family;
  e->protocol = ctx->protocol;
  e->dst_port = d->port;
  if (d->family == BW_AF_INET)
    __builtin_memcpy(e->dst_addr, &d->ip4, 4);
  else
    __builtin_memcpy(e->dst_addr, d->ip6, 16);
  bpf_ringbuf_submit(e, 0);
}

static __always_inline int decide(struct bpf_sock_addr *ctx, struct dest *d) {
  __u32 buf, count;
  if (!bw_policy_active(&egress_active, &egress_meta, &buf, &count)) return VERDICT_ALLOW;

  struct bw_rule_set *set;
  if (d->family == BW_AF_INET) {
    struct bw_lpm4_key k = {.prefixlen = 8 + 32};
    k.data[0] = buf;
    __builtin_memcpy(&k.data[1], &d->ip4, 4);
    set = bpf_map_lookup_elem(&egress_lpm4, &k);
  } else {
    struct bw_lpm6_key k = {.prefixlen = 8 + 128};
    k.data[0] = buf;
    __builtin_memcpy(&k.data[1], d->ip6, 16);
    set = bpf_map_lookup_elem(&egress_lpm6, &k);
  }
  if (!set) return VERDICT_ALLOW;

  __u32 uid = (__u32)bpf_get_current_uid_gid();
  __u8 proto = ctx->protocol;
  for (__u32 i = 0; i < BW_POLICY_MAX_RULES; i++) {
    if (i >= count) break;
    if (!bw_rule_bit(set, i)) continue;
    __u32 slot = buf * BW_POLICY_MAX_RULES + i;
    struct bw_policy_rule *r = bpf_map_lookup_elem(&egress_rules, &slot);
    if (!r || !r->active) continue;
    if (r->protocol && r->protocol != proto) continue;
    if (d->port < r->port_lo || d->port > r->port_hi) continue;
    if (!bw_rule_scope_ok(r, uid)) continue;
    if (r->action == BW_RULE_ALLOW) return VERDICT_ALLOW;
    record(ctx, r, slot, d);
    return r->action == BW_RULE_DENY ? VERDICT_DENY : VERDICT_ALLOW;
  }
  return VERDICT_ALLOW;
}

static __always_inline int decide4(struct bpf_sock_addr *ctx) {
  struct dest d = {.family = BW_AF_INET};
  d.ip4 = ctx->user_ip4;
  d.port = bpf_ntohs((__u16)ctx->user_port);
  return decide(ctx, &d);
}

static __always_inline int decide6(struct bpf_sock_addr *ctx) {
  struct dest d = {.family = BW_AF_INET6};
  d.ip6[0] = ctx->user_ip6[0];
  d.ip6[1] = ctx->user_ip6[1];
  d.ip6[2] = ctx->user_ip6[2];
  d.ip6[3] = ctx->user_ip6[3];
  d.port = bpf_ntohs((__u16)ctx->user_port);
  if (d.ip6[0] == 0 && d.ip6[1] == 0 && d.ip6[2] == bpf_htonl(0xffff)) {
    d.family = BW_AF_INET;
    d.ip4 = d.ip6[3];
  }
  return decide(ctx, &d);
}

SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx) {
  return decide4(ctx);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx) {
  return decide6(ctx);
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx) {
  return decide4(ctx);
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx) {
  return decide6(ctx);
}
