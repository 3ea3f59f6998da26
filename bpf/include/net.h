/* Network monitor records: TCP connections established and closed (from the
 * socket state tracepoint), and socket syscalls with a destination address
 * (connect attempts, UDP sends). */
#ifndef BPFWARDEN_NET_H
#define BPFWARDEN_NET_H

#include "events.h"

#define BW_AF_INET 2
#define BW_AF_INET6 10

#define BW_IPPROTO_TCP 6
#define BW_IPPROTO_UDP 17

/* Flags (both records). */
#define BW_NET_OWNER_KNOWN 0x1    /* the header's pid..comm are the socket's owner; else all zero */
#define BW_NET_BYTES_KNOWN 0x2    /* tcp_close: bytes_sent/bytes_received come from the kernel */
#define BW_NET_DURATION_KNOWN 0x4 /* tcp_close: the establishing transition was seen */
#define BW_NET_OUTBOUND 0x8       /* opened by connect() here (or a send from here) */
#define BW_NET_INBOUND 0x10       /* accepted from a listener here */
#define BW_NET_BYTES_PARTIAL 0x20 /* udp_send by sendmsg with more iovecs than were summed */

/* tcp_connect, tcp_accept, tcp_close. Addresses as the socket holds them:
 * an AF_INET6 socket talking IPv4 holds IPv4-mapped IPv6 addresses. */
struct bw_tcp_event {
  struct bw_event_header hdr;
  __u64 bytes_sent;     /* tcp_close: payload bytes the peer acknowledged */
  __u64 bytes_received; /* tcp_close: payload bytes received in order */
  __u64 duration_ns;    /* tcp_close: since the connection was established */
  __u16 family;         /* BW_AF_INET or BW_AF_INET6 */
  __u16 local_port;     /* host order */
  __u16 remote_port;    /* host order */
  __u8 flags;           /* BW_NET_* */
  __u8 old_state;       /* TCP state left (TCP_ESTABLISHED = 1 ... ) */
  __u8 local_addr[16];  /* IPv4: first 4 bytes */
  __u8 remote_addr[16];
};

/* connect (any socket type), udp_send (sendto/sendmsg with a destination). */
struct bw_sockaddr_event {
  struct bw_event_header hdr;
  __s64 result;        /* the syscall's return value: >= 0, or -errno */
  __u64 bytes;         /* udp_send: bytes asked to send */
  __u16 family;        /* of remote_addr: BW_AF_INET or BW_AF_INET6 */
  __u16 local_port;    /* host order; 0 when the socket has none (yet) */
  __u16 remote_port;   /* host order */
  __u8 protocol;       /* BW_IPPROTO_TCP, BW_IPPROTO_UDP, other IPPROTO_*, 0 unknown */
  __u8 flags;          /* BW_NET_* */
  __u8 local_addr[16]; /* the socket's bound address after the call, family as above */
  __u8 remote_addr[16];
};

#endif
