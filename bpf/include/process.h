/* Process monitor records: exec, fork, exit. */
#ifndef BPFWARDEN_PROCESS_H
#define BPFWARDEN_PROCESS_H

#include "events.h"

#define BW_ARGS_MAX 1024

/* Exec flags. */
#define BW_EXEC_ARGS_TRUNCATED 0x1
#define BW_EXEC_FILENAME_TRUNCATED 0x2

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
