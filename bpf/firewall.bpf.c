// SPDX-License-Identifier: GPL-2.0
/* XDP firewall and rate limit. Per packet: parse Ethernet (one VLAN tag),
 * IPv4 or IPv6 (up to 4 extension headers), TCP/UDP ports; find the first
 * matching rule through the compiled lookup maps (see firewall.h); count it;
 * emit a policy record for rules marked log (rate-limited per rule); drop or
 * go on to the per-source token buckets (rate limit, SYN guard). Anything
 * that is not IP passes untouched. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#include "firewall.h"
#include "net.h"
#include "policy.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_HOPOPTS 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS 60
#define IPV6_EXT_MAX 4
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define RECORD_SIZE __builtin_offsetof(struct bw_policy_event, path)

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2 * BW_FW_MAX_RULES);
  __type(key, __u32);
  __type(value, struct bw_fw_rule);
} fw_rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2 * BW_FW_MAX_LISTS);
  __type(key, __u32);
  __type(value, struct bw_fw_list);
} fw_lists SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, BW_FW_MAX_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bw_fw_lpm4_key);
  __type(value, __u32);
} fw_lpm4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, BW_FW_MAX_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bw_fw_lpm6_key);
  __type(value, __u32);
} fw_lpm6 SEC(".maps");

/* [0]: the active set, 0 (A) or 1 (B). Read once per packet. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} fw_active SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_fw_config);
} fw_config SEC(".maps");

/* By rule id: survives rule-set changes for the rules that stay. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 2 * BW_FW_MAX_RULES);
  __type(key, __u32);
  __type(value, struct bw_fw_rule_stats);
} fw_rule_stats SEC(".maps");

/* [0]: rate limit records, [1]: SYN guard records (their own log buckets). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct bw_fw_rule_stats);
} fw_rl_log SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
  __uint(max_entries, BW_FW_MAX_SOURCES);
  __type(key, struct bw_fw_rl_key);
  __type(value, struct bw_fw_rl_state);
} fw_rl_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, BW_FW_CTR_MAX);
  __type(key, __u32);
  __type(value, __u64);
} fw_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} fw_events SEC(".maps");

/* Never read by the program: userspace updates fw_barrier after flipping
 * fw_active, and the kernel makes any update of a map-in-map from userspace
 * wait until running programs are done (maybe_wait_bpf_programs), so no
 * packet still evaluates the old set when it is cleared. */
struct fw_barrier_inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} fw_barrier_in SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, struct fw_barrier_inner_map);
} fw_barrier SEC(".maps") = {.values = {[0] = &fw_barrier_in}};

BW_BTF_STRUCT(bw_policy_event);
BW_BTF_STRUCT(bw_fw_rule);
BW_BTF_STRUCT(bw_fw_list);
BW_BTF_STRUCT(bw_fw_lpm4_key);
BW_BTF_STRUCT(bw_fw_lpm6_key);
BW_BTF_STRUCT(bw_fw_config);
BW_BTF_STRUCT(bw_fw_rule_stats);
BW_BTF_STRUCT(bw_fw_rl_key);
BW_BTF_STRUCT(bw_fw_rl_state);

struct fw_pkt {
  __u32 src[4]; /* network order; IPv4 in [0] */
  __u32 dst[4];
  __u32 len;    /* bytes of the frame */
  __u16 sport;  /* host order */
  __u16 dport;
  __u8 family;  /* 4 or 6 */
  __u8 proto;
  __u8 has_ports;
  __u8 tcp_flags;
};

static __always_inline void count(__u32 idx) {
  __u64 *n = bpf_map_lookup_elem(&fw_counters, &idx);
  if (n) *n += 1;
}

/* Token bucket in nanoseconds of credit: true when a packet may pass. */
static __always_inline bool bucket_take(__u64 *last, __u64 *credit, __u64 now, __u64 cost, __u64 burst) {
  __u64 c = *credit;
  if (*last == 0) {
    c = burst; /* first packet on this CPU: start full */
  } else if (now > *last) {
    c += now - *last;
    if (c > burst) c = burst;
  }
  *last = now;
  if (c < cost) {
    *credit = c;
    return false;
  }
  *credit = c - cost;
  return true;
}

static __always_inline int parse_l4(struct fw_pkt *p, void *l4, void *end) {
  if (p->proto == IPPROTO_TCP) {
    struct tcphdr *t = l4;
    if ((void *)(t + 1) > end) return -1;
    p->sport = bpf_ntohs(t->source);
    p->dport = bpf_ntohs(t->dest);
    p->tcp_flags = ((__u8 *)t)[13];
    p->has_ports = 1;
  } else if (p->proto == IPPROTO_UDP) {
    struct udphdr *u = l4;
    if ((void *)(u + 1) > end) return -1;
    p->sport = bpf_ntohs(u->source);
    p->dport = bpf_ntohs(u->dest);
    p->has_ports = 1;
  }
  return 0;
}

static __always_inline int parse_ipv4(struct fw_pkt *p, void *nh, void *end) {
  struct iphdr *ip = nh;
  if ((void *)(ip + 1) > end || ip->ihl < 5) return -1;
  p->family = 4;
  p->proto = ip->protocol;
  p->src[0] = ip->saddr;
  p->dst[0] = ip->daddr;
  /* Later fragments carry no transport header: they match rules without ports only. */
  if (bpf_ntohs(ip->frag_off) & 0x1fff) return 0;
  return parse_l4(p, nh + ip->ihl * 4, end);
}

static __always_inline int parse_ipv6(struct fw_pkt *p, void *nh, void *end) {
  struct ipv6hdr *ip6 = nh;
  if ((void *)(ip6 + 1) > end) return -1;
  p->family = 6;
  __builtin_memcpy(p->src, &ip6->saddr, 16);
  __builtin_memcpy(p->dst, &ip6->daddr, 16);
  __u8 next = ip6->nexthdr;
  void *l4 = ip6 + 1;
  for (int i = 0; i < IPV6_EXT_MAX; i++) {
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
        next != IPPROTO_FRAGMENT)
      break;
    __u8 *ext = l4;
    if ((void *)(ext + 8) > end) return -1;
    if (next == IPPROTO_FRAGMENT) {
      next = ext[0];
      if (((ext[2] << 8) | ext[3]) & 0xfff8) {
        p->proto = next; /* a later fragment: no ports */
        return 0;
      }
      l4 = ext + 8;
    } else {
      next = ext[0];
      l4 = ext + (ext[1] + 1) * 8;
    }
  }
  p->proto = next;
  return parse_l4(p, l4, end);
}

/* 0: IP packet parsed; -1: not IP, or truncated headers. */
static __always_inline int parse(struct xdp_md *ctx, struct fw_pkt *p) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return -1;
  p->len = (__u32)(end - data);
  __u16 proto = bpf_ntohs(eth->h_proto);
  void *nh = eth + 1;
  if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
    struct vlan_hdr *v = nh;
    if ((void *)(v + 1) > end) return -1;
    proto = bpf_ntohs(v->h_vlan_encapsulated_proto);
    nh = v + 1;
  }
  if (proto == ETH_P_IP) return parse_ipv4(p, nh, end);
  if (proto == ETH_P_IPV6) return parse_ipv6(p, nh, end);
  return -1;
}

static __always_inline bool in_range(__u16 v, __u16 lo, __u16 hi) { return v >= lo && v <= hi; }

static __always_inline bool addr_in(const __u32 *a, const __u32 *net, const __u32 *mask) {
  return ((a[0] & mask[0]) == net[0]) & ((a[1] & mask[1]) == net[1]) & ((a[2] & mask[2]) == net[2]) &
         ((a[3] & mask[3]) == net[3]);
}

/* Global (not static) subprograms are verified once, for any arguments,
 * instead of once per call site and path: the candidate walk stays cheap
 * to verify however many candidates it may check. */
__noinline int fw_rule_matches(const struct bw_fw_rule *r, const struct fw_pkt *p) {
  if (!r || !p) return 0;
  if (r->family && r->family != p->family) return 0;
  if (r->protocol && r->protocol != p->proto) return 0;
  if ((r->flags & BW_FW_F_SPORT) && !(p->has_ports && in_range(p->sport, r->sport_lo, r->sport_hi)))
    return 0;
  if ((r->flags & BW_FW_F_DPORT) && !(p->has_ports && in_range(p->dport, r->dport_lo, r->dport_hi)))
    return 0;
  if ((r->flags & BW_FW_F_SRC) && !addr_in(p->src, r->src, r->src_mask)) return 0;
  if ((r->flags & BW_FW_F_DST) && !addr_in(p->dst, r->dst, r->dst_mask)) return 0;
  return 1;
}

/* The smallest matching slot of the list at head, if smaller than best. */
__noinline __u32 fw_walk(__u32 head, const struct fw_pkt *p, __u32 best) {
  if (!p) return best;
  __u32 idx = head;
  for (int c = 0; c < BW_FW_MAX_CHUNKS; c++) {
    struct bw_fw_list *l = bpf_map_lookup_elem(&fw_lists, &idx);
    if (!l) break;
    __u32 n = l->count;
    for (int i = 0; i < BW_FW_LIST_SLOTS; i++) {
      if (i >= n) break;
      __u32 s = l->slot[i];
      if (s >= best) return best; /* ascending: nothing smaller follows */
      struct bw_fw_rule *r = bpf_map_lookup_elem(&fw_rules, &s);
      if (r && fw_rule_matches(r, p)) return s;
    }
    if (!l->next) break;
    idx = l->next;
  }
  return best;
}

/* The list head for the packet's address in one direction, or BW_FW_NO_MATCH. */
static __always_inline __u32 trie_head(const struct fw_pkt *p, __u32 active, __u32 dir) {
  __u32 set = active & BW_FW_ACTIVE_SET;
  __u32 has = p->family == 4 ? (dir == BW_FW_DIR_SRC ? BW_FW_HAS_SRC4 : BW_FW_HAS_DST4)
                             : (dir == BW_FW_DIR_SRC ? BW_FW_HAS_SRC6 : BW_FW_HAS_DST6);
  if (!(active & has)) return BW_FW_NO_MATCH;
  const __u32 *a = dir == BW_FW_DIR_SRC ? p->src : p->dst;
  __u32 *head;
  if (p->family == 4) {
    struct bw_fw_lpm4_key k = {.prefixlen = 8 + 32};
    k.data[0] = (__u8)((set << 1) | dir);
    __builtin_memcpy(&k.data[1], a, 4);
    head = bpf_map_lookup_elem(&fw_lpm4, &k);
  } else {
    struct bw_fw_lpm6_key k = {.prefixlen = 8 + 128};
    k.data[0] = (__u8)((set << 1) | dir);
    __builtin_memcpy(&k.data[1], a, 16);
    head = bpf_map_lookup_elem(&fw_lpm6, &k);
  }
  return head ? *head : BW_FW_NO_MATCH;
}

/* The slot of the first matching rule of the active set, or BW_FW_NO_MATCH. */
static __always_inline __u32 first_match(const struct fw_pkt *p, __u32 active) {
  __u32 set = active & BW_FW_ACTIVE_SET;
  __u32 best = fw_walk(set * BW_FW_MAX_LISTS, p, BW_FW_NO_MATCH); /* wildcard list */
  __u32 h = trie_head(p, active, BW_FW_DIR_SRC);
  if (h != BW_FW_NO_MATCH) best = fw_walk(h, p, best);
  h = trie_head(p, active, BW_FW_DIR_DST);
  if (h != BW_FW_NO_MATCH) best = fw_walk(h, p, best);
  return best;
}

static __always_inline void emit(struct xdp_md *ctx, const struct fw_pkt *p, __u32 rule_id, __u8 action,
                                 __u8 reason, __u32 suppressed) {
  /* No path to report: the record ends where path starts (decoders accept that). */
  struct bw_policy_event *e = bpf_ringbuf_reserve(&fw_events, RECORD_SIZE, 0);
  if (!e) {
    count(BW_FW_CTR_RING_FULL);
    return;
  }
  __builtin_memset(e, 0, RECORD_SIZE);
  e->hdr.ktime_ns = bpf_ktime_get_boot_ns();
  e->hdr.type = BW_EV_POLICY_FIREWALL;
  e->rule_id = rule_id;
  e->ifindex = ctx->ingress_ifindex;
  e->suppressed = suppressed;
  e->family = p->family == 4 ? BW_AF_INET : BW_AF_INET6;
  e->src_port = p->sport;
  e->dst_port = p->dport;
  e->protocol = p->proto;
  e->action = action;
  e->reason = reason;
  __builtin_memcpy(e->src_addr, p->src, 16);
  __builtin_memcpy(e->dst_addr, p->dst, 16);
  bpf_ringbuf_submit(e, 0);
  count(BW_FW_CTR_EVENTS);
}

/* Emits a record when this CPU's log bucket s has credit, else counts it suppressed. */
static __always_inline void log_hit(struct xdp_md *ctx, const struct fw_pkt *p, struct bw_fw_rule_stats *s,
                                    const struct bw_fw_config *cfg, __u32 rule_id, __u8 action, __u8 reason) {
  __u64 now = bpf_ktime_get_ns();
  if (cfg && cfg->log_cost_ns &&
      !bucket_take(&s->log_last_ns, &s->log_credit_ns, now, cfg->log_cost_ns, cfg->log_burst_ns)) {
    s->suppressed += 1;
    count(BW_FW_CTR_SUPPRESSED);
    return;
  }
  __u32 suppressed = s->suppressed;
  s->suppressed = 0;
  emit(ctx, p, rule_id, action, reason, suppressed);
}

static __always_inline struct bw_fw_rule_stats *rule_stats(__u32 id) {
  struct bw_fw_rule_stats *s = bpf_map_lookup_elem(&fw_rule_stats, &id);
  if (s) return s;
  /* Userspace creates the entries with the rules; this covers a race with it. */
  struct bw_fw_rule_stats zero = {};
  bpf_map_update_elem(&fw_rule_stats, &id, &zero, BPF_NOEXIST);
  return bpf_map_lookup_elem(&fw_rule_stats, &id);
}

/* XDP_DROP when the source is over its rate limit or SYN budget. */
static __always_inline int rate_limit(struct xdp_md *ctx, const struct fw_pkt *p,
                                      const struct bw_fw_config *cfg) {
  bool syn = p->proto == IPPROTO_TCP && p->has_ports &&
             (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
  if (!cfg->rl_cost_ns && !(syn && cfg->syn_cost_ns)) return XDP_PASS;
  __u64 now = bpf_ktime_get_ns();
  struct bw_fw_rl_key k = {.family = p->family};
  __builtin_memcpy(k.addr, p->src, 16);
  struct bw_fw_rl_state *st = bpf_map_lookup_elem(&fw_rl_state, &k);
  if (!st) {
    struct bw_fw_rl_state zero = {};
    bpf_map_update_elem(&fw_rl_state, &k, &zero, BPF_NOEXIST);
    st = bpf_map_lookup_elem(&fw_rl_state, &k);
    if (!st) return XDP_PASS; /* fail open: never drop for want of memory */
  }
  __u32 which = 0;
  __u8 reason = 0;
  if (cfg->rl_cost_ns && !bucket_take(&st->last_ns, &st->credit_ns, now, cfg->rl_cost_ns, cfg->rl_burst_ns)) {
    st->dropped += 1;
    count(BW_FW_CTR_RL_DROPPED);
    reason = BW_POLICY_REASON_RATE_LIMIT;
  } else if (syn && cfg->syn_cost_ns &&
             !bucket_take(&st->syn_last_ns, &st->syn_credit_ns, now, cfg->syn_cost_ns, cfg->syn_burst_ns)) {
    st->syn_dropped += 1;
    count(BW_FW_CTR_SYN_DROPPED);
    reason = BW_POLICY_REASON_SYN_GUARD;
    which = 1;
  }
  if (!reason) {
    st->allowed += 1;
    count(BW_FW_CTR_RL_ALLOWED);
    return XDP_PASS;
  }
  struct bw_fw_rule_stats *ls = bpf_map_lookup_elem(&fw_rl_log, &which);
  if (ls) log_hit(ctx, p, ls, cfg, 0, BW_POLICY_DENIED, reason);
  return XDP_DROP;
}

SEC("xdp")
int fw_xdp(struct xdp_md *ctx) {
  count(BW_FW_CTR_PACKETS);
  struct fw_pkt p = {};
  if (parse(ctx, &p) < 0) {
    count(BW_FW_CTR_NON_IP);
    return XDP_PASS;
  }
  __u32 zero = 0;
  __u32 *active = bpf_map_lookup_elem(&fw_active, &zero);
  __u32 act = active ? *active : 0; /* read once: the whole packet sees one set */
  __u32 slot = first_match(&p, act);
  struct bw_fw_config *cfg = bpf_map_lookup_elem(&fw_config, &zero);
  if (slot != BW_FW_NO_MATCH) {
    struct bw_fw_rule *r = bpf_map_lookup_elem(&fw_rules, &slot);
    if (r) {
      __u32 id = r->id;
      __u8 action = r->action;
      __u8 flags = r->flags;
      struct bw_fw_rule_stats *s = rule_stats(id);
      if (s) {
        s->packets += 1;
        s->bytes += p.len;
        if (flags & BW_FW_F_LOG)
          log_hit(ctx, &p, s, cfg, id, action == BW_FW_DROP ? BW_POLICY_DENIED : BW_POLICY_LOGGED,
                  BW_POLICY_REASON_RULE);
      }
      if (action == BW_FW_DROP) {
        count(BW_FW_CTR_RULE_DROPPED);
        return XDP_DROP;
      }
    }
  } else {
    count(BW_FW_CTR_NO_MATCH);
  }
  if (cfg && rate_limit(ctx, &p, cfg) == XDP_DROP) return XDP_DROP;
  count(BW_FW_CTR_PASSED);
  return XDP_PASS;
}
