/* Map element operations by fd. Keys and values are caller-sized Buffers;
 * sizes are checked against the kernel's view in the typed library. */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "handles.h"

static bool read_fd(napi_env env, napi_value v, int *fd) {
  int32_t x;
  if (!bw_get_i32(env, v, &x) || x < 0) return false;
  *fd = x;
  return true;
}

#define MAP_FD_OR_FAIL(env, v, fd) \
  if (!read_fd(env, v, &fd)) return bw_fail(env, EBADF, "map fd must be a non-negative integer");
#define BUF_OR_FAIL(env, v, p, n, what) \
  if (!bw_get_buffer(env, v, &p, &n)) return bw_fail(env, EINVAL, what " must be a Buffer");

/* mapLookup(fd, key, valueOut, flags) -> 0 | -errno */
static napi_value map_lookup(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  int fd; void *k, *v; size_t kn, vn; uint32_t flags = 0;
  MAP_FD_OR_FAIL(env, c.argv[0], fd);
  BUF_OR_FAIL(env, c.argv[1], k, kn, "key");
  BUF_OR_FAIL(env, c.argv[2], v, vn, "value");
  if (c.argc > 3) bw_get_u32(env, c.argv[3], &flags);
  int r = bpf_map_lookup_elem_flags(fd, k, v, flags);
  return r ? bw_fail(env, r, "map lookup failed: %s", strerror(-r)) : bw_num(env, 0);
}

/* mapUpdate(fd, key, value, flags) */
static napi_value map_update(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  int fd; void *k, *v; size_t kn, vn; uint32_t flags = 0;
  MAP_FD_OR_FAIL(env, c.argv[0], fd);
  BUF_OR_FAIL(env, c.argv[1], k, kn, "key");
  BUF_OR_FAIL(env, c.argv[2], v, vn, "value");
  if (c.argc > 3) bw_get_u32(env, c.argv[3], &flags);
  int r = bpf_map_update_elem(fd, k, v, flags);
  return r ? bw_fail(env, r, "map update failed: %s", strerror(-r)) : bw_num(env, 0);
}

static napi_value map_delete(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  int fd; void *k; size_t kn;
  MAP_FD_OR_FAIL(env, c.argv[0], fd);
  BUF_OR_FAIL(env, c.argv[1], k, kn, "key");
  int r = bpf_map_delete_elem(fd, k);
  return r ? bw_fail(env, r, "map delete failed: %s", strerror(-r)) : bw_num(env, 0);
}

/* mapNextKey(fd, keyOrNull, nextOut) -> 0 | -ENOENT at the end */
static napi_value map_next_key(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  int fd; void *k = NULL, *n; size_t kn, nn;
  MAP_FD_OR_FAIL(env, c.argv[0], fd);
  if (!bw_is_nullish(env, c.argv[1])) BUF_OR_FAIL(env, c.argv[1], k, kn, "key");
  BUF_OR_FAIL(env, c.argv[2], n, nn, "next key");
  int r = bpf_map_get_next_key(fd, k, n);
  return r ? bw_fail(env, r, "map iteration: %s", strerror(-r)) : bw_num(env, 0);
}

/* mapLookupBatch(fd, inBatchOrNull, outBatch, keys, values, count)
 *   -> count found (>= 0), with -ENOENT meaning "done" reported as
 *      {count, done} through a two-element array [count, done]. */
static napi_value map_lookup_batch(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 6);
  int fd; void *in = NULL, *out, *keys, *vals; size_t n1, n2, n3, n4;
  uint32_t count;
  MAP_FD_OR_FAIL(env, c.argv[0], fd);
  if (!bw_is_nullish(env, c.argv[1])) BUF_OR_FAIL(env, c.argv[1], in, n1, "in batch");
  BUF_OR_FAIL(env, c.argv[2], out, n2, "out batch");
  BUF_OR_FAIL(env, c.argv[3], keys, n3, "keys");
  BUF_OR_FAIL(env, c.argv[4], vals, n4, "values");
  if (!bw_get_u32(env, c.argv[5], &count)) return bw_fail(env, EINVAL, "count must be an unsigned integer");
  int r = bpf_map_lookup_batch(fd, in, out, keys, vals, &count, NULL);
  if (r && r != -ENOENT) return bw_fail(env, r, "batch lookup failed: %s", strerror(-r));
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, bw_num(env, count));
  napi_set_element(env, arr, 1, bw_bool(env, r == -ENOENT));
  return arr;
}

void bw_register_map(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "mapLookup", map_lookup);
  BW_EXPORT(env, exports, "mapUpdate", map_update);
  BW_EXPORT(env, exports, "mapDelete", map_delete);
  BW_EXPORT(env, exports, "mapNextKey", map_next_key);
  BW_EXPORT(env, exports, "mapLookupBatch", map_lookup_batch);
}
