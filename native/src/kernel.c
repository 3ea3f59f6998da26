/* Kernel-wide BPF objects: enumeration by id, info by fd or id, pins in
 * bpffs (pin, get), and fd lifetime. `kind` is "prog", "map" or "link".
 * Every entry point returns a value or -errno, like the rest of the bridge. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handles.h"

typedef enum { K_PROG, K_MAP, K_LINK, K_BAD } obj_kind;

static obj_kind read_kind(napi_env env, napi_value v) {
  char *s = bw_get_string(env, v);
  obj_kind k = K_BAD;
  if (s && !strcmp(s, "prog")) k = K_PROG;
  else if (s && !strcmp(s, "map")) k = K_MAP;
  else if (s && !strcmp(s, "link")) k = K_LINK;
  free(s);
  return k;
}

static const char *kind_name(obj_kind k) {
  return k == K_PROG ? "program" : k == K_MAP ? "map" : "link";
}

static int fd_by_id(obj_kind k, uint32_t id) {
  int fd = k == K_PROG ? bpf_prog_get_fd_by_id(id) : k == K_MAP ? bpf_map_get_fd_by_id(id) : bpf_link_get_fd_by_id(id);
  return fd < 0 ? -errno : fd;
}

static void tag_hex(char out[2 * BPF_TAG_SIZE + 1], const unsigned char *tag) {
  for (int i = 0; i < BPF_TAG_SIZE; i++) sprintf(out + 2 * i, "%02x", tag[i]);
}

static napi_value prog_info(napi_env env, int fd) {
  struct bpf_prog_info info;
  memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len)) return bw_fail(env, errno, "cannot read program info: %s", strerror(errno));
  uint32_t n = info.nr_map_ids;
  uint32_t *ids = n ? calloc(n, sizeof(uint32_t)) : NULL;
  if (n && ids) {
    memset(&info, 0, sizeof(info));
    info.nr_map_ids = n;
    info.map_ids = (uint64_t)(uintptr_t)ids;
    len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
      free(ids);
      return bw_fail(env, errno, "cannot read program map ids: %s", strerror(errno));
    }
    if (info.nr_map_ids < n) n = info.nr_map_ids;
  }
  napi_value o, maps;
  napi_create_object(env, &o);
  napi_create_array(env, &maps);
  for (uint32_t i = 0; ids && i < n; i++) napi_set_element(env, maps, i, bw_num(env, ids[i]));
  free(ids);
  char tag[2 * BPF_TAG_SIZE + 1];
  tag_hex(tag, info.tag);
  bw_set(env, o, "id", bw_num(env, info.id));
  bw_set(env, o, "name", bw_str(env, info.name));
  bw_set(env, o, "type", bw_num(env, info.type));
  bw_set(env, o, "tag", bw_str(env, tag));
  bw_set(env, o, "mapIds", maps);
  bw_set(env, o, "runTimeNs", bw_num(env, (double)info.run_time_ns));
  bw_set(env, o, "runCount", bw_num(env, (double)info.run_cnt));
  /* Runs the kernel skipped because another BPF program was active on the CPU. */
  bw_set(env, o, "recursionMisses", bw_num(env, (double)info.recursion_misses));
  bw_set(env, o, "loadTimeNs", bw_num(env, (double)info.load_time));
  bw_set(env, o, "uid", bw_num(env, info.created_by_uid));
  bw_set(env, o, "xlatedBytes", bw_num(env, info.xlated_prog_len));
  bw_set(env, o, "jitedBytes", bw_num(env, info.jited_prog_len));
  bw_set(env, o, "btfId", bw_num(env, info.btf_id));
  return o;
}

static napi_value map_info(napi_env env, int fd) {
  struct bpf_map_info info;
  memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len)) return bw_fail(env, errno, "cannot read map info: %s", strerror(errno));
  napi_value o;
  napi_create_object(env, &o);
  bw_set(env, o, "id", bw_num(env, info.id));
  bw_set(env, o, "name", bw_str(env, info.name));
  bw_set(env, o, "type", bw_num(env, info.type));
  bw_set(env, o, "keySize", bw_num(env, info.key_size));
  bw_set(env, o, "valueSize", bw_num(env, info.value_size));
  bw_set(env, o, "maxEntries", bw_num(env, info.max_entries));
  bw_set(env, o, "flags", bw_num(env, info.map_flags));
  return o;
}

/* The kernel's bpf_link_info grew (perf_event, tcx, ...) after this header:
 * a larger buffer lets it fill what it knows; we read the fields we know. */
typedef union {
  struct bpf_link_info info;
  unsigned char room[256];
} link_info_buf;

/* bpf_link_info.perf_event (kernel 6.6+), newer than this header: placed at
 * the union's offset. Tracepoints, kprobes and uprobes all take the name
 * buffer at the same place. */
struct bw_perf_link_info {
  uint32_t type; /* enum bpf_perf_event_type */
  uint32_t _pad;
  uint64_t name; /* tp_name, func_name or file_name */
  uint32_t name_len;
  uint32_t offset; /* kprobe, uprobe */
};
#define BW_PERF_EVENT_UPROBE 1
#define BW_PERF_EVENT_URETPROBE 2
#define BW_PERF_EVENT_KPROBE 3
#define BW_PERF_EVENT_KRETPROBE 4
#define BW_PERF_EVENT_TRACEPOINT 5

/* What a perf event link attaches to: a tracepoint's name, a probe's function or file. */
static void perf_link_info(napi_env env, int fd, napi_value o) {
  link_info_buf b;
  memset(&b, 0, sizeof(b));
  char name[4096] = "";
  struct bw_perf_link_info *pe = (void *)((char *)&b.info + offsetof(struct bpf_link_info, raw_tracepoint));
  pe->name = (uint64_t)(uintptr_t)name;
  pe->name_len = sizeof(name);
  uint32_t len = sizeof(b);
  /* Kernels before 6.6 have no perf_event info: the target stays unknown. */
  if (bpf_obj_get_info_by_fd(fd, &b.info, &len)) return;
  name[sizeof(name) - 1] = '\0';
  static const char *kinds[] = {[BW_PERF_EVENT_UPROBE] = "uprobe", [BW_PERF_EVENT_URETPROBE] = "uretprobe",
                                [BW_PERF_EVENT_KPROBE] = "kprobe", [BW_PERF_EVENT_KRETPROBE] = "kretprobe",
                                [BW_PERF_EVENT_TRACEPOINT] = "tracepoint"};
  if (pe->type >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[pe->type]) return;
  bw_set(env, o, "perfEvent", bw_str(env, kinds[pe->type]));
  if (!name[0]) return;
  if (pe->type == BW_PERF_EVENT_TRACEPOINT) {
    bw_set(env, o, "tracepoint", bw_str(env, name));
  } else {
    bw_set(env, o, "probe", bw_str(env, name));
    bw_set(env, o, "probeOffset", bw_num(env, pe->offset));
  }
}

static napi_value link_info(napi_env env, int fd) {
  link_info_buf b;
  memset(&b, 0, sizeof(b));
  char tp[256] = "";
  b.info.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)tp;
  b.info.raw_tracepoint.tp_name_len = sizeof(tp);
  uint32_t len = sizeof(b);
  if (bpf_obj_get_info_by_fd(fd, &b.info, &len)) {
    /* Only raw tracepoint links understand the name buffer; retry plainly. */
    memset(&b, 0, sizeof(b));
    len = sizeof(b);
    if (bpf_obj_get_info_by_fd(fd, &b.info, &len)) return bw_fail(env, errno, "cannot read link info: %s", strerror(errno));
  }
  struct bpf_link_info *i = &b.info;
  napi_value o;
  napi_create_object(env, &o);
  bw_set(env, o, "id", bw_num(env, i->id));
  bw_set(env, o, "type", bw_num(env, i->type));
  bw_set(env, o, "progId", bw_num(env, i->prog_id));
  switch (i->type) {
    case BPF_LINK_TYPE_RAW_TRACEPOINT:
      tp[sizeof(tp) - 1] = '\0';
      bw_set(env, o, "tracepoint", bw_str(env, tp));
      break;
    case BPF_LINK_TYPE_CGROUP:
      bw_set(env, o, "cgroupId", bw_num(env, (double)i->cgroup.cgroup_id));
      bw_set(env, o, "attachType", bw_num(env, i->cgroup.attach_type));
      break;
    case BPF_LINK_TYPE_XDP:
      bw_set(env, o, "ifindex", bw_num(env, i->xdp.ifindex));
      break;
    case BPF_LINK_TYPE_NETNS:
      bw_set(env, o, "netnsIno", bw_num(env, i->netns.netns_ino));
      bw_set(env, o, "attachType", bw_num(env, i->netns.attach_type));
      break;
    case BPF_LINK_TYPE_TRACING:
      bw_set(env, o, "attachType", bw_num(env, i->tracing.attach_type));
      break;
    case BPF_LINK_TYPE_PERF_EVENT:
      perf_link_info(env, fd, o);
      break;
    default:
      break;
  }
  return o;
}

static napi_value info_of(napi_env env, obj_kind k, int fd) {
  return k == K_PROG ? prog_info(env, fd) : k == K_MAP ? map_info(env, fd) : link_info(env, fd);
}

/* kernelIds(kind) -> [id...] of every object of that kind in the kernel. */
static napi_value kernel_ids(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  obj_kind k = read_kind(env, c.argv[0]);
  if (k == K_BAD) return bw_fail(env, EINVAL, "kind must be prog, map or link");
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t id = 0, i = 0;
  for (;;) {
    int r = k == K_PROG ? bpf_prog_get_next_id(id, &id) : k == K_MAP ? bpf_map_get_next_id(id, &id) : bpf_link_get_next_id(id, &id);
    if (r) {
      if (errno == ENOENT) break;
      return bw_fail(env, errno, "cannot enumerate %ss: %s", kind_name(k), strerror(errno));
    }
    napi_set_element(env, arr, i++, bw_num(env, id));
  }
  return arr;
}

/* infoById(kind, id) -> info | -ENOENT when it went away meanwhile. */
static napi_value info_by_id(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  obj_kind k = read_kind(env, c.argv[0]);
  uint32_t id;
  if (k == K_BAD || !bw_get_u32(env, c.argv[1], &id)) return bw_fail(env, EINVAL, "expected (kind, id)");
  int fd = fd_by_id(k, id);
  if (fd < 0) return bw_fail(env, fd, "no %s with id %u: %s", kind_name(k), id, strerror(-fd));
  napi_value r = info_of(env, k, fd);
  close(fd);
  return r;
}

static napi_value info_by_fd(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  obj_kind k = read_kind(env, c.argv[0]);
  int32_t fd;
  if (k == K_BAD || !bw_get_i32(env, c.argv[1], &fd) || fd < 0) return bw_fail(env, EINVAL, "expected (kind, fd)");
  return info_of(env, k, fd);
}

/* fdById(kind, id) -> a new fd the caller closes with fdClose. */
static napi_value fd_by_id_js(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  obj_kind k = read_kind(env, c.argv[0]);
  uint32_t id;
  if (k == K_BAD || !bw_get_u32(env, c.argv[1], &id)) return bw_fail(env, EINVAL, "expected (kind, id)");
  int fd = fd_by_id(k, id);
  return fd < 0 ? bw_fail(env, fd, "no %s with id %u: %s", kind_name(k), id, strerror(-fd)) : bw_num(env, fd);
}

/* objGet(path) -> fd of the pinned object. */
static napi_value obj_get(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  char *path = bw_get_string(env, c.argv[0]);
  if (!path) return bw_fail(env, EINVAL, "pin path must be a string");
  int fd = bpf_obj_get(path);
  napi_value r = fd < 0 ? bw_fail(env, errno, "cannot open pin %s: %s", path, strerror(errno)) : bw_num(env, fd);
  free(path);
  return r;
}

/* objPin(fd, path) -> 0 */
static napi_value obj_pin(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  int32_t fd;
  if (!bw_get_i32(env, c.argv[0], &fd) || fd < 0) return bw_fail(env, EBADF, "fd must be a non-negative integer");
  char *path = bw_get_string(env, c.argv[1]);
  if (!path) return bw_fail(env, EINVAL, "pin path must be a string");
  napi_value r = bpf_obj_pin(fd, path) ? bw_fail(env, errno, "cannot pin at %s: %s", path, strerror(errno)) : bw_num(env, 0);
  free(path);
  return r;
}

static napi_value fd_close(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  int32_t fd;
  if (!bw_get_i32(env, c.argv[0], &fd) || fd < 0) return bw_fail(env, EBADF, "fd must be a non-negative integer");
  return close(fd) ? bw_fail(env, errno, "close: %s", strerror(errno)) : bw_num(env, 0);
}

void bw_register_kernel(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "kernelIds", kernel_ids);
  BW_EXPORT(env, exports, "infoById", info_by_id);
  BW_EXPORT(env, exports, "infoByFd", info_by_fd);
  BW_EXPORT(env, exports, "fdById", fd_by_id_js);
  BW_EXPORT(env, exports, "objGet", obj_get);
  BW_EXPORT(env, exports, "objPin", obj_pin);
  BW_EXPORT(env, exports, "fdClose", fd_close);
}
