/* Attachments of a program given by fd (e.g. opened from its pin), for the
 * program manager: bpf_link-based kinds return a link fd the caller pins or
 * closes; tc (netlink filters in libbpf 1.1, not links) returns the filter's
 * handle and priority. Also resolves a symbol to a file offset for uprobes. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "handles.h"

static bool read_fd(napi_env env, napi_value v, int *fd) {
  int32_t x;
  if (!bw_get_i32(env, v, &x) || x < 0) return false;
  *fd = x;
  return true;
}

/* linkCreate(progFd, targetFd, attachType, flags) -> link fd. XDP: target is
 * the ifindex, flags the mode; cgroup: target is a cgroup directory fd. */
static napi_value link_create(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 4);
  int prog, target;
  uint32_t type, flags;
  if (!read_fd(env, c.argv[0], &prog) || !read_fd(env, c.argv[1], &target) || !bw_get_u32(env, c.argv[2], &type) ||
      !bw_get_u32(env, c.argv[3], &flags))
    return bw_fail(env, EINVAL, "linkCreate expects (progFd, targetFd, attachType, flags)");
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
  int fd = bpf_link_create(prog, target, (enum bpf_attach_type)type, &opts);
  return fd < 0 ? bw_fail(env, errno, "cannot create link (attach type %u): %s", type, strerror(errno)) : bw_num(env, fd);
}

/* rawTracepointOpen(progFd, name) -> link fd */
static napi_value raw_tp_open(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  int prog;
  if (!read_fd(env, c.argv[0], &prog)) return bw_fail(env, EBADF, "program fd must be a non-negative integer");
  char *name = bw_get_string(env, c.argv[1]);
  if (!name) return bw_fail(env, EINVAL, "raw tracepoint name must be a string");
  int fd = bpf_raw_tracepoint_open(name, prog);
  napi_value r = fd < 0 ? bw_fail(env, errno, "cannot attach raw tracepoint %s: %s", name, strerror(errno)) : bw_num(env, fd);
  free(name);
  return r;
}

static long perf_open(struct perf_event_attr *attr, int pid) {
  /* As libbpf does: one event for every process (pid -1 needs a cpu), or one process on any cpu. */
  return syscall(__NR_perf_event_open, attr, pid < 0 ? -1 : pid, pid < 0 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static napi_value perf_link(napi_env env, int prog, int pfd, const char *what) {
  int fd = bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL);
  int err = errno;
  close(pfd); /* the link holds the perf event */
  return fd < 0 ? bw_fail(env, err, "cannot attach %s: %s", what, strerror(err)) : bw_num(env, fd);
}

static int read_int_file(const char *path, long *out) {
  FILE *f = fopen(path, "r");
  if (!f) return -errno;
  int ok = fscanf(f, "%ld", out) == 1;
  fclose(f);
  return ok ? 0 : -EINVAL;
}

/* tracepointLink(progFd, category, name) -> link fd (a perf event link). */
static napi_value tracepoint_link(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  int prog;
  if (!read_fd(env, c.argv[0], &prog)) return bw_fail(env, EBADF, "program fd must be a non-negative integer");
  char *cat = bw_get_string(env, c.argv[1]), *name = bw_get_string(env, c.argv[2]);
  napi_value r;
  char what[512], path[600];
  long id = -1;
  if (!cat || !name || strchr(cat, '/') || strchr(name, '/')) {
    r = bw_fail(env, EINVAL, "tracepoint category and name must be plain names");
    goto out;
  }
  snprintf(what, sizeof(what), "tracepoint %s/%s", cat, name);
  snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", cat, name);
  int e = read_int_file(path, &id);
  if (e == -ENOENT) {
    snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/%s/id", cat, name);
    e = read_int_file(path, &id);
  }
  if (e) {
    r = bw_fail(env, e, "no %s (cannot read its id from tracefs: %s)", what, strerror(-e));
    goto out;
  }
  struct perf_event_attr attr = {.type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = (uint64_t)id};
  long pfd = perf_open(&attr, -1);
  r = pfd < 0 ? bw_fail(env, errno, "cannot open perf event for %s: %s", what, strerror(errno))
              : perf_link(env, prog, (int)pfd, what);
out:
  free(cat);
  free(name);
  return r;
}

/* uprobeLink(progFd, binary, offset, pid, retprobe) -> link fd */
static napi_value uprobe_link(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 5);
  int prog;
  int64_t off;
  int32_t pid;
  bool ret;
  if (!read_fd(env, c.argv[0], &prog) || napi_get_value_int64(env, c.argv[2], &off) != napi_ok ||
      !bw_get_i32(env, c.argv[3], &pid) || !bw_get_bool(env, c.argv[4], &ret))
    return bw_fail(env, EINVAL, "uprobeLink expects (progFd, binary, offset, pid, retprobe)");
  char *bin = bw_get_string(env, c.argv[1]);
  if (!bin) return bw_fail(env, EINVAL, "binary must be a string");
  long type, bit = 0;
  napi_value r;
  int e = read_int_file("/sys/bus/event_source/devices/uprobe/type", &type);
  if (e) {
    r = bw_fail(env, e, "uprobes are not available (no uprobe PMU): %s", strerror(-e));
  } else {
    FILE *f = fopen("/sys/bus/event_source/devices/uprobe/format/retprobe", "r");
    if (f) {
      if (fscanf(f, "config:%ld", &bit) != 1) bit = 0;
      fclose(f);
    }
    struct perf_event_attr attr = {.type = (uint32_t)type, .size = sizeof(attr)};
    attr.config = ret ? (1ull << bit) : 0;
    attr.config1 = (uint64_t)(uintptr_t)bin;
    attr.config2 = (uint64_t)off;
    char what[600];
    snprintf(what, sizeof(what), "%s %s+0x%llx", ret ? "uretprobe" : "uprobe", bin, (unsigned long long)off);
    long pfd = perf_open(&attr, pid > 0 ? pid : -1);
    r = pfd < 0 ? bw_fail(env, errno, "cannot open perf event for %s: %s", what, strerror(errno))
                : perf_link(env, prog, (int)pfd, what);
  }
  free(bin);
  return r;
}

/* elfSymbolOffset(path, symbol) -> file offset of a defined function symbol. */
static napi_value elf_symbol_offset(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  char *path = bw_get_string(env, c.argv[0]), *sym = bw_get_string(env, c.argv[1]);
  napi_value r = NULL;
  int fd = -1;
  Elf *e = NULL;
  if (!path || !sym) { r = bw_fail(env, EINVAL, "expected (path, symbol)"); goto out; }
  if (elf_version(EV_CURRENT) == EV_NONE) { r = bw_fail(env, EINVAL, "libelf is unusable"); goto out; }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { r = bw_fail(env, errno, "cannot open %s: %s", path, strerror(errno)); goto out; }
  e = elf_begin(fd, ELF_C_READ, NULL);
  if (!e || elf_kind(e) != ELF_K_ELF) { r = bw_fail(env, ENOEXEC, "%s is not an ELF file", path); goto out; }
  size_t symlen = strlen(sym);
  for (int pass = 0; pass < 2 && !r; pass++) {
    Elf_Scn *scn = NULL;
    while (!r && (scn = elf_nextscn(e, scn))) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM) || !sh.sh_entsize) continue;
      Elf_Data *data = elf_getdata(scn, NULL);
      if (!data) continue;
      for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF) continue;
        const char *n = elf_strptr(e, sh.sh_link, s.st_name);
        /* "name" matches "name" and versioned "name@VER". */
        if (!n || strncmp(n, sym, symlen) || (n[symlen] && n[symlen] != '@')) continue;
        Elf_Scn *home = elf_getscn(e, s.st_shndx);
        GElf_Shdr hs;
        if (!home || !gelf_getshdr(home, &hs)) continue;
        r = bw_num(env, (double)(s.st_value - hs.sh_addr + hs.sh_offset));
        break;
      }
    }
  }
  if (!r) r = bw_fail(env, ENOENT, "no function symbol '%s' in %s", sym, path);
out:
  if (e) elf_end(e);
  if (fd >= 0) close(fd);
  free(path);
  free(sym);
  return r;
}

/* linkDetach(linkFd) -> 0: detaches a link other references still hold. */
static napi_value link_detach(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  int fd;
  if (!read_fd(env, c.argv[0], &fd)) return bw_fail(env, EBADF, "link fd must be a non-negative integer");
  return bpf_link_detach(fd) ? bw_fail(env, errno, "cannot detach link: %s", strerror(errno)) : bw_num(env, 0);
}

static bool tc_args(napi_env env, bw_call *c, int first, int *ifindex, bool *ingress, uint32_t *prio, uint32_t *handle) {
  int32_t ifi;
  if (!bw_get_i32(env, c->argv[first], &ifi) || ifi <= 0 || !bw_get_bool(env, c->argv[first + 1], ingress) ||
      !bw_get_u32(env, c->argv[first + 2], prio) || !bw_get_u32(env, c->argv[first + 3], handle))
    return false;
  *ifindex = ifi;
  return true;
}

/* tcAttach(progFd, ifindex, ingress, priority, handle) -> {handle, priority, progId}.
 * Creates the clsact qdisc when missing; 0 lets the kernel pick priority/handle. */
static napi_value tc_attach(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 5);
  int prog, ifindex;
  bool ingress;
  uint32_t prio, handle;
  if (!read_fd(env, c.argv[0], &prog) || !tc_args(env, &c, 1, &ifindex, &ingress, &prio, &handle) || prio > 0xffff)
    return bw_fail(env, EINVAL, "tcAttach expects (progFd, ifindex, ingress, priority<=65535, handle)");
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  int r = bpf_tc_hook_create(&hook);
  if (r && r != -EEXIST) return bw_fail(env, r, "cannot create clsact qdisc on ifindex %d: %s", ifindex, strerror(-r));
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog, .priority = prio, .handle = handle);
  r = bpf_tc_attach(&hook, &opts);
  if (r) return bw_fail(env, r, "cannot attach tc %s filter on ifindex %d: %s", ingress ? "ingress" : "egress", ifindex, strerror(-r));
  napi_value o;
  napi_create_object(env, &o);
  bw_set(env, o, "handle", bw_num(env, opts.handle));
  bw_set(env, o, "priority", bw_num(env, opts.priority));
  bw_set(env, o, "progId", bw_num(env, opts.prog_id));
  return o;
}

/* tcDetach(ifindex, ingress, priority, handle) -> 0 */
static napi_value tc_detach(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 4);
  int ifindex;
  bool ingress;
  uint32_t prio, handle;
  if (!tc_args(env, &c, 0, &ifindex, &ingress, &prio, &handle) || !prio || !handle || prio > 0xffff)
    return bw_fail(env, EINVAL, "tcDetach expects (ifindex, ingress, priority, handle), both non-zero");
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  LIBBPF_OPTS(bpf_tc_opts, opts, .priority = prio, .handle = handle);
  int r = bpf_tc_detach(&hook, &opts);
  return r ? bw_fail(env, r, "cannot detach tc filter %u:%u on ifindex %d: %s", prio, handle, ifindex, strerror(-r)) : bw_num(env, 0);
}

/* tcQuery(ifindex, ingress, priority, handle) -> id of the attached program | -ENOENT */
static napi_value tc_query(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 4);
  int ifindex;
  bool ingress;
  uint32_t prio, handle;
  if (!tc_args(env, &c, 0, &ifindex, &ingress, &prio, &handle) || !prio || !handle || prio > 0xffff)
    return bw_fail(env, EINVAL, "tcQuery expects (ifindex, ingress, priority, handle), both non-zero");
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  LIBBPF_OPTS(bpf_tc_opts, opts, .priority = prio, .handle = handle);
  int r = bpf_tc_query(&hook, &opts);
  return r ? bw_fail(env, r, "no tc filter %u:%u on ifindex %d: %s", prio, handle, ifindex, strerror(-r)) : bw_num(env, opts.prog_id);
}

void bw_register_attach_fd(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "linkCreate", link_create);
  BW_EXPORT(env, exports, "rawTracepointOpen", raw_tp_open);
  BW_EXPORT(env, exports, "tracepointLink", tracepoint_link);
  BW_EXPORT(env, exports, "uprobeLink", uprobe_link);
  BW_EXPORT(env, exports, "elfSymbolOffset", elf_symbol_offset);
  BW_EXPORT(env, exports, "linkDetach", link_detach);
  BW_EXPORT(env, exports, "tcAttach", tc_attach);
  BW_EXPORT(env, exports, "tcDetach", tc_detach);
  BW_EXPORT(env, exports, "tcQuery", tc_query);
}
