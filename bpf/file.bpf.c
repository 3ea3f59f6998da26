// SPDX-License-Identifier: GPL-2.0
/* File monitor: open, unlink, rename and chmod from the classic syscall
 * tracepoints (no kprobes or fentry on the target hosts). Enter reads the
 * arguments and paths from the caller's memory, applies the filters and
 * stashes the record by thread; exit adds the result (so failures such as
 * -ENOENT are visible) and sends it. Filtering happens before anything
 * reaches the ring buffer, and every rejected event is counted. */
#include "common.bpf.h"
#include "file.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16 << 20);
} file_events SEC(".maps");

/* Reserve (here: output) failures, by event type. */
BW_DROPS_MAP(file_drops);
/* Events the filters rejected, by event type: proof that filtering works. */
BW_DROPS_MAP(file_filtered);

/* Any record; a thread is in at most one system call at a time. */
union bw_file_record {
  struct bw_event_header hdr;
  struct bw_open_event open;
  struct bw_unlink_event unlink;
  struct bw_rename_event rename;
  struct bw_chmod_event chmod;
};

/* The exit side reads result and syscall without knowing the type. */
_Static_assert(__builtin_offsetof(struct bw_open_event, result) ==
                   __builtin_offsetof(struct bw_rename_event, result) &&
               __builtin_offsetof(struct bw_unlink_event, result) ==
                   __builtin_offsetof(struct bw_chmod_event, result),
               "result at one offset");
_Static_assert(__builtin_offsetof(struct bw_open_event, syscall) ==
                   __builtin_offsetof(struct bw_rename_event, syscall) &&
               __builtin_offsetof(struct bw_unlink_event, syscall) ==
                   __builtin_offsetof(struct bw_chmod_event, syscall),
               "syscall at one offset");

_Static_assert(__builtin_offsetof(struct bw_open_event, path_status) ==
                   __builtin_offsetof(struct bw_rename_event, path_status) &&
               __builtin_offsetof(struct bw_unlink_event, path_status) ==
                   __builtin_offsetof(struct bw_chmod_event, path_status),
               "path_status at one offset");

/* A record between enter and exit, with the caller's path pointers: a path
 * whose page was not resident at enter (bpf_probe_read_user cannot fault it
 * in) is read again at exit, after the kernel itself has read it. */
struct bw_file_pending {
  union bw_file_record rec;
  __u64 path_ptr;
  __u64 newpath_ptr;
};

/* Where enter builds a record before stashing it (too big for the stack). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_file_pending);
} file_scratch SEC(".maps");

/* Records between enter and exit, by pid_tgid (each lives for one call, so
 * the map holds only the calls in flight). A plain preallocated hash, not an
 * LRU: an LRU can evict a live entry (silent loss) when its per-CPU free
 * lists strand nodes, while a full hash fails the update, which is counted.
 * Every enter has its exit attached first, so entries do not go stale. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8192);
  __type(key, __u64);
  __type(value, struct bw_file_pending);
} file_pending SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bw_file_config);
} file_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BW_FILE_PREFIX_MAX);
  __type(key, __u32);
  __type(value, struct bw_file_prefix);
} file_prefixes SEC(".maps");

/* Processes never reported, and whose children are not (BW_EXCLUDE_*: the
 * agent and its rule runner, whose database reads and writes would
 * otherwise feed back into the ring). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u8);
} file_exclude_pids SEC(".maps");

/* When file_config.cgroup_count > 0, only these cgroup (v2) ids are reported. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u64);
  __type(value, __u8);
} file_cgroups SEC(".maps");

BW_BTF_STRUCT(bw_open_event);
BW_BTF_STRUCT(bw_unlink_event);
BW_BTF_STRUCT(bw_rename_event);
BW_BTF_STRUCT(bw_chmod_event);
BW_BTF_STRUCT(bw_file_prefix);
BW_BTF_STRUCT(bw_file_config);

static __always_inline struct bw_file_config *bw_config(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&file_config, &zero);
}

/* The cheap filters, before any user memory is read. The parent's exclusion
 * is checked once the header is filled (bw_parent_rejected): it has the parent. */
static __always_inline bool bw_task_rejected(struct bw_file_config *cfg) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (bw_exclusion_has(&file_exclude_pids, tgid, BW_EXCLUDE_PROCESS)) return true;
  if (cfg && cfg->cgroup_count) {
    __u64 cg = bpf_get_current_cgroup_id();
    if (!bpf_map_lookup_elem(&file_cgroups, &cg)) return true;
  }
  return false;
}

/* A child of an excluded process (the agent's rule runner). */
static __always_inline bool bw_parent_rejected(const struct bw_event_header *h) {
  return h->ppid && bw_exclusion_has(&file_exclude_pids, h->ppid, BW_EXCLUDE_CHILDREN);
}

/* Compares 8 bytes at a time under a mask of the prefix's length. Both
 * buffers are 8-aligned; bytes after the path's NUL never decide, since
 * the prefix has no NUL within its length. */
static __always_inline bool bw_prefix_match(const struct bw_file_prefix *p, const char *path) {
  __u32 len = p->len;
  if (len == 0 || len >= BW_FILE_PREFIX_LEN) return false;
  const __u64 *pw = (const __u64 *)p->bytes;
  const __u64 *sw = (const __u64 *)path;
#pragma unroll
  for (__u32 j = 0; j < BW_FILE_PREFIX_LEN / 8; j++) {
    if (len <= j * 8) break;
    __u32 n = len - j * 8;
    __u64 mask = n >= 8 ? ~0ULL : (1ULL << (n * 8)) - 1;
    if ((pw[j] ^ sw[j]) & mask) return false;
  }
  return true;
}

static __always_inline bool bw_path_matches(struct bw_file_config *cfg, const char *path) {
  __u32 n = cfg->prefix_count;
  for (__u32 i = 0; i < BW_FILE_PREFIX_MAX; i++) {
    if (i >= n) break;
    /* A copy for the key: the counter itself stays in a register, where
     * the verifier sees the loop progress. */
    __u32 key = i;
    struct bw_file_prefix *p = bpf_map_lookup_elem(&file_prefixes, &key);
    if (p && bw_prefix_match(p, path)) return true;
  }
  return false;
}

/* Without prefixes every path is wanted. A path that could not be read is
 * reported (never silently filtered): it may be one the operator wants. */
static __always_inline bool bw_path_wanted(struct bw_file_config *cfg, const char *path,
                                           bool unreadable) {
  if (!cfg || cfg->prefix_count == 0 || unreadable) return true;
  return bw_path_matches(cfg, path);
}

/* Reads a user string into dst[BW_PATH_MAX]; returns the bytes kept, NUL included. */
static __always_inline __u32 bw_read_path(char *dst, const char *src, __u32 *status, __u32 truncated,
                                          __u32 unreadable) {
  long n = bpf_probe_read_user_str(dst, BW_PATH_MAX, src);
  if (n <= 0) {
    dst[0] = 0;
    *status |= unreadable;
    return 1;
  }
  if (n == BW_PATH_MAX) {
    /* Exactly full: cut unless the caller's string ends right there. */
    char next = 0;
    if (bpf_probe_read_user(&next, 1, src + BW_PATH_MAX - 1) == 0 && next) *status |= truncated;
  }
  return n;
}

static __always_inline struct bw_file_pending *bw_scratch(const void *path, const void *newpath) {
  __u32 zero = 0;
  struct bw_file_pending *p = bpf_map_lookup_elem(&file_scratch, &zero);
  if (p) {
    p->path_ptr = (__u64)path;
    p->newpath_ptr = (__u64)newpath;
  }
  return p;
}

/* file_filtered has the drops map's shape: one per-CPU counter per type. */
static __always_inline void bw_count_filtered(__u32 type) {
  bw_count_drop(&file_filtered, type);
}

static __always_inline void bw_stash(struct bw_file_pending *p, __u32 type) {
  __u64 id = bpf_get_current_pid_tgid();
  if (bpf_map_update_elem(&file_pending, &id, p, BPF_ANY)) bw_count_drop(&file_drops, type);
}

/* ---- enter ---- */

static __always_inline int bw_open_enter(__u32 sys, int dirfd, const char *path, __u32 flags, __u32 mode) {
  struct bw_file_config *cfg = bw_config();
  if (bw_task_rejected(cfg)) {
    bw_count_filtered(BW_EV_OPEN);
    return 0;
  }
  struct bw_file_pending *p = bw_scratch(path, 0);
  if (!p) return 0;
  struct bw_open_event *e = &p->rec.open;
  e->path_status = 0;
  e->path_len = bw_read_path(e->path, path, &e->path_status, BW_FILE_PATH_TRUNCATED,
                             BW_FILE_PATH_UNREADABLE);
  if (!bw_path_wanted(cfg, e->path, e->path_status & BW_FILE_PATH_UNREADABLE)) {
    bw_count_filtered(BW_EV_OPEN);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_OPEN);
  if (bw_parent_rejected(&e->hdr)) {
    bw_count_filtered(BW_EV_OPEN);
    return 0;
  }
  e->result = 0;
  e->syscall = sys;
  e->dirfd = dirfd;
  e->flags = flags;
  e->mode = mode;
  bw_stash(p, BW_EV_OPEN);
  return 0;
}

static __always_inline int bw_unlink_enter(__u32 sys, int dirfd, const char *path, __u32 flags) {
  struct bw_file_config *cfg = bw_config();
  if (bw_task_rejected(cfg)) {
    bw_count_filtered(BW_EV_UNLINK);
    return 0;
  }
  struct bw_file_pending *p = bw_scratch(path, 0);
  if (!p) return 0;
  struct bw_unlink_event *e = &p->rec.unlink;
  e->path_status = 0;
  e->path_len = bw_read_path(e->path, path, &e->path_status, BW_FILE_PATH_TRUNCATED,
                             BW_FILE_PATH_UNREADABLE);
  if (!bw_path_wanted(cfg, e->path, e->path_status & BW_FILE_PATH_UNREADABLE)) {
    bw_count_filtered(BW_EV_UNLINK);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_UNLINK);
  if (bw_parent_rejected(&e->hdr)) {
    bw_count_filtered(BW_EV_UNLINK);
    return 0;
  }
  e->result = 0;
  e->syscall = sys;
  e->dirfd = dirfd;
  e->flags = flags;
  e->_pad = 0;
  bw_stash(p, BW_EV_UNLINK);
  return 0;
}

static __always_inline int bw_rename_enter(__u32 sys, int olddirfd, const char *oldpath, int newdirfd,
                                           const char *newpath, __u32 flags) {
  struct bw_file_config *cfg = bw_config();
  if (bw_task_rejected(cfg)) {
    bw_count_filtered(BW_EV_RENAME);
    return 0;
  }
  struct bw_file_pending *p = bw_scratch(oldpath, newpath);
  if (!p) return 0;
  struct bw_rename_event *e = &p->rec.rename;
  e->path_status = 0;
  bw_read_path(e->oldpath, oldpath, &e->path_status, BW_FILE_PATH_TRUNCATED, BW_FILE_PATH_UNREADABLE);
  e->newpath_len = bw_read_path(e->newpath, newpath, &e->path_status, BW_FILE_NEWPATH_TRUNCATED,
                                BW_FILE_NEWPATH_UNREADABLE);
  /* A move into or out of a watched tree: either side matching is enough. */
  if (!bw_path_wanted(cfg, e->oldpath, e->path_status & BW_FILE_PATH_UNREADABLE) &&
      !bw_path_wanted(cfg, e->newpath, e->path_status & BW_FILE_NEWPATH_UNREADABLE)) {
    bw_count_filtered(BW_EV_RENAME);
    return 0;
  }
  bw_fill_header(&e->hdr, BW_EV_RENAME);
  if (bw_parent_rejected(&e->hdr)) {
    bw_count_filtered(BW_EV_RENAME);
    return 0;
  }
  e->result = 0;
  e->syscall = sys;
  e->olddirfd = olddirfd;
  e->newdirfd = newdirfd;
  e->flags = flags;
  bw_stash(p, BW_EV_RENAME);
  return 0;
}

/* path NULL: fchmod, which names a file by fd only; the prefix filter cannot
 * judge it, so it passes (the pid and cgroup filters still apply). */
static __always_inline int bw_chmod_enter(__u32 sys, int dirfd, int fd, const char *path, __u32 mode,
                                          __u32 flags) {
  struct bw_file_config *cfg = bw_config();
  if (bw_task_rejected(cfg)) {
    bw_count_filtered(BW_EV_CHMOD);
    return 0;
  }
  struct bw_file_pending *p = bw_scratch(path, 0);
  if (!p) return 0;
  struct bw_chmod_event *e = &p->rec.chmod;
  e->path_status = 0;
  if (path) {
    e->path_len = bw_read_path(e->path, path, &e->path_status, BW_FILE_PATH_TRUNCATED,
                               BW_FILE_PATH_UNREADABLE);
    if (!bw_path_wanted(cfg, e->path, e->path_status & BW_FILE_PATH_UNREADABLE)) {
      bw_count_filtered(BW_EV_CHMOD);
      return 0;
    }
  } else {
    e->path[0] = 0;
    e->path_len = 1;
  }
  bw_fill_header(&e->hdr, BW_EV_CHMOD);
  if (bw_parent_rejected(&e->hdr)) {
    bw_count_filtered(BW_EV_CHMOD);
    return 0;
  }
  e->result = 0;
  e->syscall = sys;
  e->dirfd = dirfd;
  e->fd = fd;
  e->mode = mode;
  e->flags = flags;
  e->_pad = 0;
  bw_stash(p, BW_EV_CHMOD);
  return 0;
}

#define ARG(i) (ctx->args[i])
#define STR(i) ((const char *)ctx->args[i])

/* creat(2) is open(O_CREAT|O_WRONLY|O_TRUNC): record the flags it implies. */
#define BW_CREAT_FLAGS (00000100 | 00000001 | 00001000)

/* Only the arguments a tracepoint has may be read: the attach checks the
 * highest context offset a program touches against the event's size. */
SEC("tp/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx) {
  return bw_open_enter(BW_SYS_OPEN, BW_AT_FDCWD, STR(0), ARG(1), ARG(2));
}

SEC("tp/syscalls/sys_enter_creat")
int enter_creat(struct trace_event_raw_sys_enter *ctx) {
  return bw_open_enter(BW_SYS_CREAT, BW_AT_FDCWD, STR(0), BW_CREAT_FLAGS, ARG(1));
}

SEC("tp/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx) {
  return bw_open_enter(BW_SYS_OPENAT, (int)ARG(0), STR(1), ARG(2), ARG(3));
}

SEC("tp/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx) {
  /* flags and mode live in the caller's struct open_how; an unreadable one
   * reads as zeros and the call itself fails with -EFAULT. */
  struct open_how how = {};
  bpf_probe_read_user(&how, sizeof(how.flags) + sizeof(how.mode), (void *)ARG(2));
  return bw_open_enter(BW_SYS_OPENAT2, (int)ARG(0), STR(1), (__u32)how.flags, (__u32)how.mode);
}

SEC("tp/syscalls/sys_enter_unlink")
int enter_unlink(struct trace_event_raw_sys_enter *ctx) {
  return bw_unlink_enter(BW_SYS_UNLINK, BW_AT_FDCWD, STR(0), 0);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int enter_unlinkat(struct trace_event_raw_sys_enter *ctx) {
  return bw_unlink_enter(BW_SYS_UNLINKAT, (int)ARG(0), STR(1), ARG(2));
}

SEC("tp/syscalls/sys_enter_rename")
int enter_rename(struct trace_event_raw_sys_enter *ctx) {
  return bw_rename_enter(BW_SYS_RENAME, BW_AT_FDCWD, STR(0), BW_AT_FDCWD, STR(1), 0);
}

SEC("tp/syscalls/sys_enter_renameat")
int enter_renameat(struct trace_event_raw_sys_enter *ctx) {
  return bw_rename_enter(BW_SYS_RENAMEAT, (int)ARG(0), STR(1), (int)ARG(2), STR(3), 0);
}

SEC("tp/syscalls/sys_enter_renameat2")
int enter_renameat2(struct trace_event_raw_sys_enter *ctx) {
  return bw_rename_enter(BW_SYS_RENAMEAT2, (int)ARG(0), STR(1), (int)ARG(2), STR(3), ARG(4));
}

SEC("tp/syscalls/sys_enter_chmod")
int enter_chmod(struct trace_event_raw_sys_enter *ctx) {
  return bw_chmod_enter(BW_SYS_CHMOD, BW_AT_FDCWD, -1, STR(0), ARG(1), 0);
}

SEC("tp/syscalls/sys_enter_fchmod")
int enter_fchmod(struct trace_event_raw_sys_enter *ctx) {
  return bw_chmod_enter(BW_SYS_FCHMOD, BW_AT_FDCWD, (int)ARG(0), 0, ARG(1), 0);
}

SEC("tp/syscalls/sys_enter_fchmodat")
int enter_fchmodat(struct trace_event_raw_sys_enter *ctx) {
  return bw_chmod_enter(BW_SYS_FCHMODAT, (int)ARG(0), -1, STR(1), ARG(2), 0);
}

SEC("tp/syscalls/sys_enter_fchmodat2")
int enter_fchmodat2(struct trace_event_raw_sys_enter *ctx) {
  return bw_chmod_enter(BW_SYS_FCHMODAT2, (int)ARG(0), -1, STR(1), ARG(2), ARG(3));
}

/* ---- exit ---- */

/* Bytes of a record to send: up to its last path's NUL. */
static __always_inline __u64 bw_record_size(union bw_file_record *r, __u32 type) {
  __u32 len;
  __u64 off;
  switch (type) {
  case BW_EV_OPEN:
    len = r->open.path_len;
    off = __builtin_offsetof(struct bw_open_event, path);
    break;
  case BW_EV_UNLINK:
    len = r->unlink.path_len;
    off = __builtin_offsetof(struct bw_unlink_event, path);
    break;
  case BW_EV_RENAME:
    len = r->rename.newpath_len;
    off = __builtin_offsetof(struct bw_rename_event, newpath);
    break;
  default:
    len = r->chmod.path_len;
    off = __builtin_offsetof(struct bw_chmod_event, path);
    break;
  }
  if (len > BW_PATH_MAX) len = BW_PATH_MAX;
  barrier_var(len);
  if (len > BW_PATH_MAX) len = BW_PATH_MAX;
  return off + len;
}

/* Reads again a path that was unreadable at enter (the kernel has faulted
 * its page in by now) and says whether the prefix filter wants the path. */
static __always_inline bool bw_retry_path(char *path, __u32 *len, __u32 *status, __u64 ptr,
                                          struct bw_file_config *cfg, __u32 truncated,
                                          __u32 unreadable) {
  if (*status & unreadable) {
    *status &= ~unreadable;
    __u32 n = bw_read_path(path, (const char *)ptr, status, truncated, unreadable);
    if (len) *len = n;
  }
  return bw_path_wanted(cfg, path, *status & unreadable);
}

/* False when a path read again turns out to be one the prefix filter rejects. */
static __always_inline bool bw_retry_paths(struct bw_file_pending *p, __u32 type) {
  union bw_file_record *r = &p->rec;
  __u32 *status = &r->open.path_status;
  if (!(*status & (BW_FILE_PATH_UNREADABLE | BW_FILE_NEWPATH_UNREADABLE))) return true;
  struct bw_file_config *cfg = bw_config();
  const __u32 T = BW_FILE_PATH_TRUNCATED, U = BW_FILE_PATH_UNREADABLE;
  switch (type) {
  case BW_EV_OPEN:
    return bw_retry_path(r->open.path, &r->open.path_len, status, p->path_ptr, cfg, T, U);
  case BW_EV_UNLINK:
    return bw_retry_path(r->unlink.path, &r->unlink.path_len, status, p->path_ptr, cfg, T, U);
  case BW_EV_CHMOD:
    return bw_retry_path(r->chmod.path, &r->chmod.path_len, status, p->path_ptr, cfg, T, U);
  default: {
    /* Both evaluated: each read again when it needs to be. */
    bool old_wanted = bw_retry_path(r->rename.oldpath, 0, status, p->path_ptr, cfg, T, U);
    bool new_wanted = bw_retry_path(r->rename.newpath, &r->rename.newpath_len, status,
                                    p->newpath_ptr, cfg, BW_FILE_NEWPATH_TRUNCATED,
                                    BW_FILE_NEWPATH_UNREADABLE);
    return old_wanted || new_wanted;
  }
  }
}

static __always_inline int bw_file_exit(__u32 type, __u32 sys, long ret) {
  __u64 id = bpf_get_current_pid_tgid();
  struct bw_file_pending *p = bpf_map_lookup_elem(&file_pending, &id);
  if (!p) return 0; /* filtered at enter, or entered before we attached */
  union bw_file_record *r = &p->rec;
  if (r->open.syscall != sys) {
    /* A stale entry from a call whose exit we never saw: not this call's. */
    bpf_map_delete_elem(&file_pending, &id);
    return 0;
  }
  if (!bw_retry_paths(p, type)) {
    bw_count_filtered(type);
  } else {
    r->open.result = ret;
    if (bw_ringbuf_output(&file_events, r, bw_record_size(r, type)))
      bw_count_drop(&file_drops, type);
  }
  bpf_map_delete_elem(&file_pending, &id);
  return 0;
}

#define BW_FILE_EXIT(name, type, sys)                                \
  SEC("tp/syscalls/sys_exit_" #name)                                 \
  int exit_##name(struct trace_event_raw_sys_exit *ctx) {            \
    return bw_file_exit(type, sys, ctx->ret);                        \
  }

BW_FILE_EXIT(open, BW_EV_OPEN, BW_SYS_OPEN)
BW_FILE_EXIT(creat, BW_EV_OPEN, BW_SYS_CREAT)
BW_FILE_EXIT(openat, BW_EV_OPEN, BW_SYS_OPENAT)
BW_FILE_EXIT(openat2, BW_EV_OPEN, BW_SYS_OPENAT2)
BW_FILE_EXIT(unlink, BW_EV_UNLINK, BW_SYS_UNLINK)
BW_FILE_EXIT(unlinkat, BW_EV_UNLINK, BW_SYS_UNLINKAT)
BW_FILE_EXIT(rename, BW_EV_RENAME, BW_SYS_RENAME)
BW_FILE_EXIT(renameat, BW_EV_RENAME, BW_SYS_RENAMEAT)
BW_FILE_EXIT(renameat2, BW_EV_RENAME, BW_SYS_RENAMEAT2)
BW_FILE_EXIT(chmod, BW_EV_CHMOD, BW_SYS_CHMOD)
BW_FILE_EXIT(fchmod, BW_EV_CHMOD, BW_SYS_FCHMOD)
BW_FILE_EXIT(fchmodat, BW_EV_CHMOD, BW_SYS_FCHMODAT)
BW_FILE_EXIT(fchmodat2, BW_EV_CHMOD, BW_SYS_FCHMODAT2)
