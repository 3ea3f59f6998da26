/* Packet drop monitor records: one per skb the kernel frees as dropped. */
#ifndef BPFWARDEN_DROP_H
#define BPFWARDEN_DROP_H

#include "events.h"

#define BW_IFNAMSIZ 16

/* Drop flags: what could be parsed out of the packet. */
#define BW_DROP_L3 0x1        /* saddr/daddr hold an IPv4 or IPv6 header's addresses */
#define BW_DROP_PORTS 0x2     /* sport/dport hold TCP or UDP ports */
#define BW_DROP_ICMP 0x4      /* icmp_type/icmp_code hold an ICMP or ICMPv6 header's */
#define BW_DROP_NO_REASON 0x8 /* kernel without a reason field in skb:kfree_skb (before 5.17) */
#define BW_DROP_DEV 0x10      /* ifname/netns come from skb->dev (else only ifindex is known) */

struct bw_drop_event {
  struct bw_event_header hdr;
  __u64 location;   /* kernel address that freed the skb */
  __u32 reason;     /* enum skb_drop_reason (names come from the running kernel's BTF) */
  __u32 len;        /* skb->len */
  __u32 ifindex;
  __u32 netns;      /* network namespace inode, 0 when unknown */
  __u16 protocol;   /* ethertype, host order (0x0800 IPv4, 0x86dd IPv6) */
  __u8 ip_version;  /* 4, 6 or 0 */
  __u8 l4_proto;    /* IPPROTO_* from the IP header (after IPv6 extension headers) */
  __u16 sport;      /* host order */
  __u16 dport;
  __u8 icmp_type;
  __u8 icmp_code;
  __u8 flags;       /* BW_DROP_* */
  __u8 _pad;
  __u8 saddr[16];   /* IPv4 in the first 4 bytes */
  __u8 daddr[16];
  char ifname[BW_IFNAMSIZ];
};

/* Index of the per-CPU counters in drop_counters. */
#define BW_DROP_CTR_SUPPRESSED 0 /* drops the rate limit did not report */
#define BW_DROP_CTR_MAX 1

#endif
