// SPDX-License-Identifier: GPL-2.0
/* DNS monitor: UDP datagrams to or from port 53, copied (first 512 bytes of
 * the DNS message) by cgroup_skb programs on the cgroup v2 root. Those see
 * every local socket's traffic in both directions on any interface and in
 * any network namespace, without kprobes, and egress runs in the sending
 * task's context, so a query carries the pid that asked. Decoding happens
 * in userspace. The programs only observe: they always return 1 (allow). */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#include "dns.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP 17
#define LOOPBACK_IFINDEX 1
#define UDP_HDR_LEN 8

/* Set by userspace: skip datagrams received on loopback. Attached at the
 * root, every loopback datagram was already reported on egress, in the
 * sender's context; under a sub-cgroup the sender may be outside it. */
const volatile bool skip_loopback_ingress = true;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20);
} dns_events SEC(".maps");

BW_DROPS_MAP(dns_drops);

BW_BTF_STRUCT(bw_dns_event);

struct flow {
  __u8 saddr[16];
  __u8 daddr[16];
  __u32 udp_off; /* offset of the UDP header from skb->data (the IP header) */
  __u8 ip_version;
};

/* IP and UDP headers of the datagram; false when it is not UDP or not ours to parse. */
static __always_inline bool parse_ip(struct __sk_buff *skb, struct flow *f) {
  if (skb->protocol == bpf_htons(ETH_P_IP)) {
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip))) return false;
    if (ip.version != 4 || ip.ihl < 5 || ip.protocol != IPPROTO_UDP) return false;
    if (bpf_ntohs(ip.frag_off) & 0x1fff) return false; /* not the first fragment: no UDP header */
    __builtin_memcpy(f->saddr, &ip.saddr, 4);
    __builtin_memcpy(f->daddr, &ip.daddr, 4);
    f->udp_off = ip.ihl * 4;
    f->ip_version = 4;
    return true;
  }
  if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr ip6;
    if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6))) return false;
    /* UDP right after the fixed header: DNS does not use extension headers in practice. */
    if (ip6.version != 6 || ip6.nexthdr != IPPROTO_UDP) return false;
    __builtin_memcpy(f->saddr, &ip6.saddr, 16);
    __builtin_memcpy(f->daddr, &ip6.daddr, 16);
    f->udp_off = sizeof(ip6);
    f->ip_version = 6;
    return true;
  }
  return false;
}

static __always_inline int handle(struct __sk_buff *skb, __u8 direction) {
  if (direction == BW_DNS_INGRESS && skip_loopback_ingress && skb->ifindex == LOOPBACK_IFINDEX) return 1;
  struct flow f = {};
  if (!parse_ip(skb, &f)) return 1;
  struct udphdr udp;
  if (bpf_skb_load_bytes(skb, f.udp_off, &udp, sizeof(udp))) return 1;
  __u16 sport = bpf_ntohs(udp.source);
  __u16 dport = bpf_ntohs(udp.dest);
  if (sport != BW_DNS_PORT && dport != BW_DNS_PORT) return 1;

  struct bw_dns_event *e = bpf_ringbuf_reserve(&dns_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&dns_drops, BW_EV_DNS);
    return 1;
  }
  if (direction == BW_DNS_EGRESS) {
    bw_fill_header(&e->hdr, BW_EV_DNS);
  } else {
    /* Softirq context: the current task is unrelated. Take what the
     * receiving socket says; the pid is linked in userspace. */
    __builtin_memset(&e->hdr, 0, sizeof(e->hdr));
    e->hdr.ktime_ns = bpf_ktime_get_boot_ns();
    e->hdr.type = BW_EV_DNS;
    e->hdr.uid = bpf_get_socket_uid(skb);
    e->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
  }
  e->ifindex = direction == BW_DNS_INGRESS ? skb->ifindex : 0;
  e->sport = sport;
  e->dport = dport;
  e->ip_version = f.ip_version;
  e->direction = direction;
  e->_pad[0] = 0;
  e->_pad[1] = 0;
  __builtin_memcpy(e->saddr, f.saddr, sizeof(e->saddr));
  __builtin_memcpy(e->daddr, f.daddr, sizeof(e->daddr));

  /* 64-bit arithmetic: the length the verifier checks is the one passed on. */
  __u64 udp_len = bpf_ntohs(udp.len);
  __u64 dns_len = udp_len > UDP_HDR_LEN ? udp_len - UDP_HDR_LEN : 0;
  __u64 off = f.udp_off + UDP_HDR_LEN;
  __u64 len = skb->len;
  __u64 avail = len > off ? len - off : 0;
  __u64 n = dns_len < avail ? dns_len : avail;
  e->dns_len = dns_len;
  /* Bounds the verifier can see: 1..BW_DNS_PAYLOAD_MAX. */
  barrier_var(n);
  if (n > BW_DNS_PAYLOAD_MAX) n = BW_DNS_PAYLOAD_MAX;
  barrier_var(n);
  if (n == 0 || n > BW_DNS_PAYLOAD_MAX || bpf_skb_load_bytes(skb, off, e->payload, n)) n = 0;
  e->captured = n;
  bw_ringbuf_submit(&dns_events, e);
  return 1;
}

SEC("cgroup_skb/egress")
int dns_egress(struct __sk_buff *skb) {
  return handle(skb, BW_DNS_EGRESS);
}

SEC("cgroup_skb/ingress")
int dns_ingress(struct __sk_buff *skb) {
  return handle(skb, BW_DNS_INGRESS);
}
