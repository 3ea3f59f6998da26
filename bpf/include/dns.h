/* DNS monitor records: one per UDP datagram to or from port 53. */
#ifndef BPFWARDEN_DNS_H
#define BPFWARDEN_DNS_H

#include "events.h"

#define BW_DNS_PAYLOAD_MAX 512 /* classic DNS over UDP; longer messages are cut */
#define BW_DNS_PORT 53

/* Direction of the datagram as the host saw it. */
#define BW_DNS_INGRESS 0
#define BW_DNS_EGRESS 1

struct bw_dns_event {
  struct bw_event_header hdr; /* egress: the sending task; ingress: socket owner uid and cgroup, pid 0 */
  __u32 ifindex;    /* ingress: receiving interface; egress: 0 (not routed yet) */
  __u16 dns_len;    /* DNS message length per the UDP header */
  __u16 captured;   /* bytes of it in payload */
  __u16 sport;      /* host order */
  __u16 dport;
  __u8 ip_version;  /* 4 or 6 */
  __u8 direction;   /* BW_DNS_INGRESS or BW_DNS_EGRESS */
  __u8 _pad[2];
  __u8 saddr[16];   /* IPv4 in the first 4 bytes */
  __u8 daddr[16];
  __u8 payload[BW_DNS_PAYLOAD_MAX];
};

#endif
