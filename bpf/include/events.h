/* Event records shared by the kernel programs and the TypeScript decoders
 * (src/domain/layout/header.ts, src/families/<name>/layout.ts). Fixed
 * layout, naturally aligned, little-endian.
 * A test reads these structs from the compiled objects' BTF and fails when
 * a decoder's offsets or sizes disagree. */
#ifndef BPFWARDEN_EVENTS_H
#define BPFWARDEN_EVENTS_H

#define BW_COMM_LEN 16
#define BW_PATH_MAX 256

/* Event type ids, by family (each family's structs in its own header). */
enum bw_event_type {
  /* process.h */
  BW_EV_EXEC = 1,
  BW_EV_FORK = 2,
  BW_EV_EXIT = 3,
  /* file.h */
  BW_EV_OPEN = 10,
  BW_EV_UNLINK = 11,
  BW_EV_RENAME = 12,
  BW_EV_CHMOD = 13,
  /* net.h */
  BW_EV_TCP_CONNECT = 20,
  BW_EV_TCP_ACCEPT = 21,
  BW_EV_TCP_CLOSE = 22,
  BW_EV_CONNECT = 23,
  BW_EV_UDP_SEND = 24,
  /* drop.h */
  BW_EV_DROP = 30,
  /* dns.h */
  BW_EV_DNS = 40,
  /* policy.h: enforcement decisions */
  BW_EV_POLICY_EGRESS = 50, /* cgroup connect4/6, sendmsg4/6 */
  BW_EV_POLICY_EXEC = 51,   /* exec of a listed binary */
  BW_EV_POLICY_FIREWALL = 52, /* XDP rule marked log, or rate limit */
  BW_EV_TYPE_MAX = 64,
};

/* Common header, first in every record. */
struct bw_event_header {
  __u64 ktime_ns; /* CLOCK_BOOTTIME; converted to wall clock in userspace */
  __u32 type;     /* enum bw_event_type */
  __u32 pid;      /* thread group id */
  __u32 tid;
  __u32 ppid;     /* real parent's thread group id */
  __u32 uid;
  __u32 gid;
  __u64 cgroup_id;
  char comm[BW_COMM_LEN];
};

#endif
