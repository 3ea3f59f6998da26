/* Event records shared by the kernel programs and the TypeScript decoders
 * (src/domain/layout/). Fixed layout, naturally aligned, little-endian.
 * A test reads these structs from the compiled objects' BTF and fails when
 * a decoder's offsets or sizes disagree. */
#ifndef BPFWARDEN_EVENTS_H
#define BPFWARDEN_EVENTS_H

#define BW_COMM_LEN 16
#define BW_PATH_MAX 256
#define BW_ARGS_MAX 1024

enum bw_event_type {
  BW_EV_EXEC = 1,
  BW_EV_FORK = 2,
  BW_EV_EXIT = 3,
  BW_EV_TYPE_MAX = 64,
};

/* Exec flags. */
#define BW_EXEC_ARGS_TRUNCATED 0x1
#define BW_EXEC_FILENAME_TRUNCATED 0x2

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

struct bw_exec_event {
  struct bw_event_header hdr;
  __u32 argc;     /* as the kernel counted it */
  __u32 args_len; /* bytes captured in args: NUL-separated */
  __u32 flags;
  __u32 old_pid;  /* pid before exec (differs when a thread execs) */
  char filename[BW_PATH_MAX];
  char args[BW_ARGS_MAX];
};

struct bw_fork_event {
  struct bw_event_header hdr;
  __u32 child_pid;
  __u32 child_tid;
};

struct bw_exit_event {
  struct bw_event_header hdr;
  __u32 exit_status; /* wait(2) status: code << 8 | signal (| 0x80 on core) */
  __u32 _pad;
  __u64 lifetime_ns; /* since the thread group leader started */
};

#endif
