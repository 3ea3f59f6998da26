// SPDX-License-Identifier: GPL-2.0
/* Packet drop monitor: every skb the kernel frees as dropped, from the
 * skb:kfree_skb tracepoint (no kprobes needed), with the kernel's drop
 * reason, the freeing location, the interface and, where the linear data
 * holds them, the IP addresses and TCP/UDP ports or ICMP type. Drops can
 * come in floods, so a per-CPU token bucket bounds the records per second
 * and counts what it suppresses. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#include "drop.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60
#define IPV6_EXT_MAX 4 /* extension headers walked before giving up on ports */

/* Set by userspace before load: nanoseconds of credit one record costs on
 * one CPU (1e9 * cpus / maxEventsPerSecond), 0 for no limit, and the most
 * credit a CPU can save up (one second: the burst). */
const volatile __u64 cost_ns = 0;
const volatile __u64 burst_ns = 1000000000ULL;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20);
} drop_events SEC(".maps");

BW_DROPS_MAP(drop_drops);

/* Processes whose drops are not reported, or whose children's are not
 * (BW_EXCLUDE_*: the agent and its rule runner), filled by userspace after
 * load. A drop is theirs when it is freed while they run: what they send is freed in their
 * context, loopback deliveries included. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u8);
} drop_exclude_pids SEC(".maps");

/* Per-CPU counters beyond reserve failures (BW_DROP_CTR_*). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, BW_DROP_CTR_MAX);
  __type(key, __u32);
  __type(value, __u64);
} drop_counters SEC(".maps");

struct bw_token_bucket {
  __u64 last_ns;
  __u64 credit_ns;
};

/* Per-CPU: no locks (tracing programs cannot take bpf_spin_lock). A run in
 * softirq can interrupt one in task context on the same CPU and race on the
 * bucket: the limit is then approximate by a record, never unsafe. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_token_bucket);
} drop_bucket SEC(".maps");

BW_BTF_STRUCT(bw_drop_event);

/* True when this CPU's bucket has credit for one more record. */
static __always_inline bool take_token(__u64 now) {
  if (cost_ns == 0) return true;
  __u32 zero = 0;
  struct bw_token_bucket *b = bpf_map_lookup_elem(&drop_bucket, &zero);
  if (!b) return true;
  __u64 credit = b->credit_ns;
  if (b->last_ns == 0) {
    credit = burst_ns; /* first drop on this CPU: start full */
  } else if (now > b->last_ns) {
    credit += now - b->last_ns;
    if (credit > burst_ns) credit = burst_ns;
  }
  b->last_ns = now;
  if (credit < cost_ns) {
    b->credit_ns = credit;
    return false;
  }
  b->credit_ns = credit - cost_ns;
  return true;
}

static __always_inline void count(__u32 idx) {
  __u64 *n = bpf_map_lookup_elem(&drop_counters, &idx);
  if (n) *n += 1;
}

/* Ports or ICMP type/code of the transport header at head + off. */
static __always_inline void parse_l4(struct bw_drop_event *e, unsigned char *head, __u32 off, __u32 tail) {
  if (e->l4_proto == IPPROTO_TCP || e->l4_proto == IPPROTO_UDP) {
    __be16 ports[2];
    if (off + sizeof(ports) > tail) return;
    if (bpf_probe_read_kernel(ports, sizeof(ports), head + off)) return;
    e->sport = bpf_ntohs(ports[0]);
    e->dport = bpf_ntohs(ports[1]);
    e->flags |= BW_DROP_PORTS;
  } else if (e->l4_proto == IPPROTO_ICMP || e->l4_proto == IPPROTO_ICMPV6) {
    __u8 tc[2];
    if (off + sizeof(tc) > tail) return;
    if (bpf_probe_read_kernel(tc, sizeof(tc), head + off)) return;
    e->icmp_type = tc[0];
    e->icmp_code = tc[1];
    e->flags |= BW_DROP_ICMP;
  }
}

static __always_inline void parse_ipv4(struct bw_drop_event *e, unsigned char *head, __u32 nh, __u32 tail) {
  struct iphdr ip;
  if (nh + sizeof(ip) > tail) return;
  if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh)) return;
  if (ip.version != 4 || ip.ihl < 5) return;
  e->ip_version = 4;
  e->l4_proto = ip.protocol;
  __builtin_memcpy(e->saddr, &ip.saddr, 4);
  __builtin_memcpy(e->daddr, &ip.daddr, 4);
  e->flags |= BW_DROP_L3;
  /* Only the first fragment carries the transport header. */
  if (bpf_ntohs(ip.frag_off) & 0x1fff) return;
  parse_l4(e, head, nh + ip.ihl * 4, tail);
}

static __always_inline void parse_ipv6(struct bw_drop_event *e, unsigned char *head, __u32 nh, __u32 tail) {
  struct ipv6hdr ip6;
  if (nh + sizeof(ip6) > tail) return;
  if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh)) return;
  if (ip6.version != 6) return;
  e->ip_version = 6;
  __builtin_memcpy(e->saddr, &ip6.saddr, 16);
  __builtin_memcpy(e->daddr, &ip6.daddr, 16);
  e->flags |= BW_DROP_L3;
  __u8 next = ip6.nexthdr;
  __u32 off = nh + sizeof(ip6);
  /* Skip the common extension headers, a bounded number of them. */
  for (int i = 0; i < IPV6_EXT_MAX; i++) {
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
        next != IPPROTO_FRAGMENT)
      break;
    __u8 ext[4];
    if (off + sizeof(ext) > tail) return;
    if (bpf_probe_read_kernel(ext, sizeof(ext), head + off)) return;
    if (next == IPPROTO_FRAGMENT) {
      /* Later fragments have no transport header. */
      if (((ext[2] << 8) | ext[3]) & 0xfff8) {
        e->l4_proto = ext[0];
        return;
      }
      off += 8;
    } else {
      off += (ext[1] + 1) * 8;
    }
    next = ext[0];
  }
  e->l4_proto = next;
  parse_l4(e, head, off, tail);
}

SEC("tp/skb/kfree_skb")
int handle_kfree_skb(struct trace_event_raw_kfree_skb *ctx) {
  __u32 reason = 0;
  bool has_reason = bpf_core_field_exists(ctx->reason);
  if (has_reason) {
    reason = BPF_CORE_READ(ctx, reason);
    /* Not drops: the skb was consumed, or freed before any verdict. */
    if (reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED) ||
        reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
      return 0;
  }
  /* Before the bucket: the agent's own drops must not use up others' budget. */
  if (bw_current_excluded(&drop_exclude_pids)) return 0;
  __u64 now = bpf_ktime_get_boot_ns();
  if (!take_token(now)) {
    count(BW_DROP_CTR_SUPPRESSED);
    return 0;
  }
  struct bw_drop_event *e = bpf_ringbuf_reserve(&drop_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&drop_drops, BW_EV_DROP);
    return 0;
  }
  __builtin_memset(e, 0, sizeof(*e));
  bw_fill_header(&e->hdr, BW_EV_DROP);
  e->reason = reason;
  if (!has_reason) e->flags |= BW_DROP_NO_REASON;
  e->location = (__u64)BPF_CORE_READ(ctx, location);
  e->protocol = BPF_CORE_READ(ctx, protocol);

  struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
  e->len = BPF_CORE_READ(skb, len);

  /* skb->dev shares its word with dev_scratch (UDP reuses it once the skb
   * is queued to a socket): trust it only when it agrees with the input
   * interface, or for locally sent packets, which have none. */
  struct net_device *dev = BPF_CORE_READ(skb, dev);
  __u32 iif = BPF_CORE_READ(skb, skb_iif);
  __u32 dev_ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
  if (dev && dev_ifindex && (iif == 0 || iif == dev_ifindex)) {
    e->ifindex = dev_ifindex;
    bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
    e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
    e->flags |= BW_DROP_DEV;
  } else {
    e->ifindex = iif;
    struct sock *sk = BPF_CORE_READ(skb, sk);
    if (sk) e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
  }

  unsigned char *head = BPF_CORE_READ(skb, head);
  __u32 nh = BPF_CORE_READ(skb, network_header);
  __u32 tail = BPF_CORE_READ(skb, tail); /* offset from head on 64-bit kernels */
  if (head && nh != 0xffff) {
    if (e->protocol == ETH_P_IP)
      parse_ipv4(e, head, nh, tail);
    else if (e->protocol == ETH_P_IPV6)
      parse_ipv6(e, head, nh, tail);
  }
  bw_ringbuf_submit(&drop_events, e);
  return 0;
}
