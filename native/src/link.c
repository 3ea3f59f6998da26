/* Links: attach a loaded program to a hook, then destroy, pin or unpin it.
 * One entry point per attach kind; all return a link handle or -errno. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"

typedef struct {
  bw_handle_hdr hdr;
  struct bpf_link *link;
} bw_link;

static void link_finalize(napi_env env, void *data, void *hint) {
  bw_link *l = data;
  /* An unreferenced link detaches, as a closed fd would; pinned links stay
   * attached in the kernel through their pin. */
  if (l->link) bpf_link__destroy(l->link);
  free(l);
}

static napi_value wrap_link(napi_env env, struct bpf_link *link, const char *what) {
  if (!link) {
    int err = errno;
    return bw_fail(env, err, "cannot attach %s: %s", what, strerror(err));
  }
  bw_link *l = calloc(1, sizeof(*l));
  if (!l) {
    bpf_link__destroy(link);
    return bw_fail(env, ENOMEM, "out of memory");
  }
  l->hdr.tag = BW_TAG_LINK;
  l->link = link;
  napi_value h;
  napi_create_external(env, l, link_finalize, NULL, &h);
  return h;
}

/* attachTracepoint(obj, prog, category, name) */
static napi_value attach_tracepoint(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 4);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  char *cat = bw_get_string(env, c.argv[2]);
  char *name = bw_get_string(env, c.argv[3]);
  napi_value r;
  if (!cat || !name) {
    r = bw_fail(env, EINVAL, "tracepoint category and name must be strings");
  } else {
    char what[512];
    snprintf(what, sizeof(what), "tracepoint %s/%s", cat, name);
    r = wrap_link(env, bpf_program__attach_tracepoint(p, cat, name), what);
  }
  free(cat);
  free(name);
  return r;
}

/* attachRawTracepoint(obj, prog, name) */
static napi_value attach_raw_tracepoint(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  char *name = bw_get_string(env, c.argv[2]);
  if (!name) return bw_fail(env, EINVAL, "raw tracepoint name must be a string");
  char what[512];
  snprintf(what, sizeof(what), "raw tracepoint %s", name);
  napi_value r = wrap_link(env, bpf_program__attach_raw_tracepoint(p, name), what);
  free(name);
  return r;
}

/* attachAuto(obj, prog): attach as the program's SEC() name describes. */
static napi_value attach_auto(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  return wrap_link(env, bpf_program__attach(p), bpf_program__section_name(p));
}

/* attachXdp(obj, prog, ifindex) */
static napi_value attach_xdp(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  int32_t ifindex;
  if (!bw_get_i32(env, c.argv[2], &ifindex)) return bw_fail(env, EINVAL, "ifindex must be an integer");
  return wrap_link(env, bpf_program__attach_xdp(p, ifindex), "xdp");
}

/* attachUprobe(obj, prog, retprobe, pid, binaryPath, offset) */
static napi_value attach_uprobe(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 6);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  bool ret;
  int32_t pid;
  int64_t off;
  if (!bw_get_bool(env, c.argv[2], &ret) || !bw_get_i32(env, c.argv[3], &pid) ||
      napi_get_value_int64(env, c.argv[5], &off) != napi_ok)
    return bw_fail(env, EINVAL, "uprobe expects (retprobe: boolean, pid: int, path: string, offset: int)");
  char *path = bw_get_string(env, c.argv[4]);
  if (!path) return bw_fail(env, EINVAL, "binary path must be a string");
  napi_value r = wrap_link(env, bpf_program__attach_uprobe(p, ret, pid, path, (size_t)off), "uprobe");
  free(path);
  return r;
}

static bw_link *get_link(napi_env env, napi_value v) {
  bw_link *l = bw_get_handle(env, v, BW_TAG_LINK);
  return (l && l->link) ? l : NULL;
}

static napi_value link_destroy(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_link *l = bw_get_handle(env, c.argv[0], BW_TAG_LINK);
  if (!l) return bw_fail(env, EBADF, "not a link handle");
  int r = 0;
  if (l->link) {
    r = bpf_link__destroy(l->link);
    l->link = NULL;
  }
  return r ? bw_fail(env, r, "cannot destroy link: %s", strerror(-r)) : bw_num(env, 0);
}

/* linkDisconnect(link): forget the link without detaching (it stays pinned). */
static napi_value link_disconnect(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_link *l = get_link(env, c.argv[0]);
  if (!l) return bw_fail(env, EBADF, "link is destroyed or invalid");
  bpf_link__disconnect(l->link);
  return bw_num(env, 0);
}

static napi_value link_pin(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  bw_link *l = get_link(env, c.argv[0]);
  if (!l) return bw_fail(env, EBADF, "link is destroyed or invalid");
  char *path = bw_get_string(env, c.argv[1]);
  if (!path) return bw_fail(env, EINVAL, "pin path must be a string");
  int r = bpf_link__pin(l->link, path);
  napi_value out = r ? bw_fail(env, r, "cannot pin link at %s: %s", path, strerror(-r)) : bw_num(env, 0);
  free(path);
  return out;
}

static napi_value link_unpin(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_link *l = get_link(env, c.argv[0]);
  if (!l) return bw_fail(env, EBADF, "link is destroyed or invalid");
  int r = bpf_link__unpin(l->link);
  return r ? bw_fail(env, r, "cannot unpin link: %s", strerror(-r)) : bw_num(env, 0);
}

static napi_value link_fd(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_link *l = get_link(env, c.argv[0]);
  if (!l) return bw_fail(env, EBADF, "link is destroyed or invalid");
  return bw_num(env, bpf_link__fd(l->link));
}

void bw_register_link(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "attachTracepoint", attach_tracepoint);
  BW_EXPORT(env, exports, "attachRawTracepoint", attach_raw_tracepoint);
  BW_EXPORT(env, exports, "attachAuto", attach_auto);
  BW_EXPORT(env, exports, "attachXdp", attach_xdp);
  BW_EXPORT(env, exports, "attachUprobe", attach_uprobe);
  BW_EXPORT(env, exports, "linkDestroy", link_destroy);
  BW_EXPORT(env, exports, "linkDisconnect", link_disconnect);
  BW_EXPORT(env, exports, "linkPin", link_pin);
  BW_EXPORT(env, exports, "linkUnpin", link_unpin);
  BW_EXPORT(env, exports, "linkFd", link_fd);
}
