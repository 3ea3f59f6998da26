/* File monitor records: open, unlink, rename, chmod; and its filter maps. */
#ifndef BPFWARDEN_FILE_H
#define BPFWARDEN_FILE_H

#include "events.h"

/* Which system call produced a record: an event type groups several. */
enum bw_file_syscall {
  BW_SYS_OPEN = 1,
  BW_SYS_CREAT = 2,
  BW_SYS_OPENAT = 3,
  BW_SYS_OPENAT2 = 4,
  BW_SYS_UNLINK = 5,
  BW_SYS_UNLINKAT = 6,
  BW_SYS_RENAME = 7,
  BW_SYS_RENAMEAT = 8,
  BW_SYS_RENAMEAT2 = 9,
  BW_SYS_CHMOD = 10,
  BW_SYS_FCHMOD = 11,
  BW_SYS_FCHMODAT = 12,
  BW_SYS_FCHMODAT2 = 13,
};

/* path_status bits. A path that filled its field may have been cut; one the
 * kernel could not read from the caller's memory (not faulted in, or a bad
 * pointer) is reported empty rather than dropped. */
#define BW_FILE_PATH_TRUNCATED 0x1
#define BW_FILE_PATH_UNREADABLE 0x2
#define BW_FILE_NEWPATH_TRUNCATED 0x4
#define BW_FILE_NEWPATH_UNREADABLE 0x8

/* dirfd of the calls without one: their relative paths start at the cwd. */
#define BW_AT_FDCWD -100

/* Records are sent up to the end of their last path's NUL (path_len bytes of
 * it), not the whole field: the struct is the upper bound of a record. */
struct bw_open_event {
  struct bw_event_header hdr;
  __s64 result;      /* fd, or -errno */
  __u32 syscall;     /* enum bw_file_syscall */
  __u32 path_status; /* BW_FILE_PATH_* */
  __s32 dirfd;       /* BW_AT_FDCWD for open and creat */
  __u32 flags;       /* O_* as passed (openat2: how->flags, low 32 bits) */
  __u32 mode;        /* as passed; meaningful with O_CREAT or O_TMPFILE */
  __u32 path_len;    /* bytes of path captured, NUL included */
  char path[BW_PATH_MAX];
};

struct bw_unlink_event {
  struct bw_event_header hdr;
  __s64 result; /* 0, or -errno */
  __u32 syscall;
  __u32 path_status;
  __s32 dirfd;
  __u32 flags; /* unlinkat: AT_REMOVEDIR */
  __u32 path_len;
  __u32 _pad;
  char path[BW_PATH_MAX];
};

struct bw_rename_event {
  struct bw_event_header hdr;
  __s64 result;
  __u32 syscall;
  __u32 path_status; /* BW_FILE_PATH_* for oldpath, BW_FILE_NEWPATH_* for newpath */
  __s32 olddirfd;
  __s32 newdirfd;
  __u32 flags; /* renameat2: RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT */
  __u32 newpath_len;
  char oldpath[BW_PATH_MAX];
  char newpath[BW_PATH_MAX];
};

struct bw_chmod_event {
  struct bw_event_header hdr;
  __s64 result;
  __u32 syscall;
  __u32 path_status;
  __s32 dirfd;
  __s32 fd; /* fchmod's fd; -1 for the others */
  __u32 mode;
  __u32 flags; /* fchmodat2: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH */
  __u32 path_len;
  __u32 _pad;
  char path[BW_PATH_MAX];
};

/* ---- filters, written by userspace ---- */

#define BW_FILE_PREFIX_MAX 16
#define BW_FILE_PREFIX_LEN 64

/* One path prefix: the first len bytes of bytes (len < BW_FILE_PREFIX_LEN). */
struct bw_file_prefix {
  __u32 len;
  __u32 _pad;
  char bytes[BW_FILE_PREFIX_LEN];
};

/* Key 0 of file_config. */
struct bw_file_config {
  __u32 prefix_count; /* >0: only paths starting with one of file_prefixes[0..n) */
  __u32 cgroup_count; /* >0: only cgroups in file_cgroups */
};

#endif
