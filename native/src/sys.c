/* Host facts the typed library needs: clocks, mounts, feature probes. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <time.h>

#include "handles.h"

static uint64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* bootOffsetNs() -> bigint: CLOCK_REALTIME - CLOCK_BOOTTIME, measured with
 * the tightest of a few bracketed reads so one preemption cannot skew it. */
static napi_value boot_offset(napi_env env, napi_callback_info info) {
  uint64_t best_gap = UINT64_MAX, offset = 0;
  for (int i = 0; i < 5; i++) {
    uint64_t r1 = now_ns(CLOCK_REALTIME);
    uint64_t b = now_ns(CLOCK_BOOTTIME);
    uint64_t r2 = now_ns(CLOCK_REALTIME);
    if (r2 - r1 < best_gap) {
      best_gap = r2 - r1;
      offset = r1 + (r2 - r1) / 2 - b;
    }
  }
  return bw_bigint_u64(env, offset);
}

static napi_value boottime_ns(napi_env env, napi_callback_info info) {
  return bw_bigint_u64(env, now_ns(CLOCK_BOOTTIME));
}

/* mountFs(source, target, fstype) -> 0 | -errno */
static napi_value mount_fs(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  char *src = bw_get_string(env, c.argv[0]);
  char *dst = bw_get_string(env, c.argv[1]);
  char *type = bw_get_string(env, c.argv[2]);
  napi_value r;
  if (!src || !dst || !type) r = bw_fail(env, EINVAL, "mount expects three strings");
  else if (mount(src, dst, type, 0, NULL) != 0) r = bw_fail(env, errno, "cannot mount %s at %s: %s", type, dst, strerror(errno));
  else r = bw_num(env, 0);
  free(src);
  free(dst);
  free(type);
  return r;
}

/* setParentDeathSignal(sig) -> 0 | -errno: the kernel sends sig to this
 * process when the thread that forked it exits, even while this process is
 * inside a long synchronous call that would never see an IPC disconnect. */
static napi_value parent_death_signal(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  uint32_t sig;
  if (!bw_get_u32(env, c.argv[0], &sig) || sig > 64) return bw_fail(env, EINVAL, "signal must be an integer 0-64");
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) != 0) return bw_fail(env, errno, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
  return bw_num(env, 0);
}

static napi_value num_cpus(napi_env env, napi_callback_info info) {
  int n = libbpf_num_possible_cpus();
  return n < 0 ? bw_fail(env, n, "cannot read possible CPUs") : bw_num(env, n);
}

/* probeProgType(type) -> 1 supported, 0 not, -errno unknown */
static napi_value probe_prog_type(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  uint32_t t;
  if (!bw_get_u32(env, c.argv[0], &t)) return bw_fail(env, EINVAL, "program type must be an integer");
  int r = libbpf_probe_bpf_prog_type((enum bpf_prog_type)t, NULL);
  return r < 0 ? bw_fail(env, r, "probe failed: %s", strerror(-r)) : bw_num(env, r);
}

static napi_value probe_map_type(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  uint32_t t;
  if (!bw_get_u32(env, c.argv[0], &t)) return bw_fail(env, EINVAL, "map type must be an integer");
  int r = libbpf_probe_bpf_map_type((enum bpf_map_type)t, NULL);
  return r < 0 ? bw_fail(env, r, "probe failed: %s", strerror(-r)) : bw_num(env, r);
}

static napi_value probe_helper(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  uint32_t t, h;
  if (!bw_get_u32(env, c.argv[0], &t) || !bw_get_u32(env, c.argv[1], &h))
    return bw_fail(env, EINVAL, "expected (programType, helperId) integers");
  int r = libbpf_probe_bpf_helper((enum bpf_prog_type)t, (enum bpf_func_id)h, NULL);
  return r < 0 ? bw_fail(env, r, "probe failed: %s", strerror(-r)) : bw_num(env, r);
}

/* kernelTracepointArgs(name) -> number of arguments the running kernel's
 * tracepoint passes (from the btf_trace_<name> typedef), or -errno. Lets
 * programs adapt to tracepoints whose signature grew between releases. */
static napi_value kernel_tp_args(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  char *name = bw_get_string(env, c.argv[0]);
  if (!name) return bw_fail(env, EINVAL, "tracepoint name must be a string");
  char full[256];
  snprintf(full, sizeof(full), "btf_trace_%s", name);
  free(name);
  struct btf *btf = btf__load_vmlinux_btf();
  if (!btf) return bw_fail(env, errno, "cannot read kernel BTF: %s", strerror(errno));
  int id = btf__find_by_name_kind(btf, full, BTF_KIND_TYPEDEF);
  napi_value r;
  if (id < 0) {
    r = bw_fail(env, ENOENT, "no tracepoint %s in kernel BTF", full);
  } else {
    const struct btf_type *t = btf__type_by_id(btf, id);
    t = btf__type_by_id(btf, t->type); /* pointer */
    if (t && btf_is_ptr(t)) t = btf__type_by_id(btf, t->type);
    /* The first argument is the tracepoint's private data pointer. */
    r = (t && btf_is_func_proto(t)) ? bw_num(env, btf_vlen(t) - 1) : bw_fail(env, EINVAL, "unexpected BTF shape for %s", full);
  }
  btf__free(btf);
  return r;
}

/* kernelEnum(name) -> [{name, value}] of an enum in the running kernel's
 * BTF (e.g. skb_drop_reason), or -errno. Names change between releases, so
 * they are read from the kernel, never hard-coded. */
static napi_value kernel_enum(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  char *name = bw_get_string(env, c.argv[0]);
  if (!name) return bw_fail(env, EINVAL, "enum name must be a string");
  struct btf *btf = btf__load_vmlinux_btf();
  if (!btf) {
    free(name);
    return bw_fail(env, errno, "cannot read kernel BTF: %s", strerror(errno));
  }
  int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);
  napi_value r;
  if (id < 0) {
    r = bw_fail(env, ENOENT, "no enum %s in kernel BTF", name);
  } else {
    const struct btf_type *t = btf__type_by_id(btf, id);
    const struct btf_enum *e = btf_enum(t);
    napi_create_array(env, &r);
    for (uint32_t i = 0; i < btf_vlen(t); i++, e++) {
      napi_value o;
      napi_create_object(env, &o);
      bw_set(env, o, "name", bw_str(env, btf__name_by_offset(btf, e->name_off)));
      bw_set(env, o, "value", bw_num(env, (double)e->val));
      napi_set_element(env, r, i, o);
    }
  }
  free(name);
  btf__free(btf);
  return r;
}

static napi_value libbpf_ver(napi_env env, napi_callback_info info) {
  return bw_str(env, libbpf_version_string());
}

void bw_register_sys(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "bootOffsetNs", boot_offset);
  BW_EXPORT(env, exports, "boottimeNs", boottime_ns);
  BW_EXPORT(env, exports, "mountFs", mount_fs);
  BW_EXPORT(env, exports, "setParentDeathSignal", parent_death_signal);
  BW_EXPORT(env, exports, "numPossibleCpus", num_cpus);
  BW_EXPORT(env, exports, "probeProgType", probe_prog_type);
  BW_EXPORT(env, exports, "probeMapType", probe_map_type);
  BW_EXPORT(env, exports, "probeHelper", probe_helper);
  BW_EXPORT(env, exports, "libbpfVersion", libbpf_ver);
  BW_EXPORT(env, exports, "kernelTracepointArgs", kernel_tp_args);
  BW_EXPORT(env, exports, "kernelEnum", kernel_enum);
}
