/* Shared helpers for the bridge: argument parsing, the -errno convention and
 * capture of libbpf's log (which is where the verifier log arrives). */
#ifndef BW_UTIL_H
#define BW_UTIL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BW_MAX_ARGS 8

/* Parsed call: argc/argv plus env. */
typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[BW_MAX_ARGS];
} bw_call;

bool bw_args(napi_env env, napi_callback_info info, bw_call *c);

/* Record a failure message and return -abs(err) as a JS number. */
napi_value bw_fail(napi_env env, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

napi_value bw_num(napi_env env, double v);
napi_value bw_i64(napi_env env, int64_t v);
napi_value bw_bigint_u64(napi_env env, uint64_t v);
napi_value bw_str(napi_env env, const char *s);
napi_value bw_bool(napi_env env, bool v);
napi_value bw_undef(napi_env env);
void bw_set(napi_env env, napi_value obj, const char *key, napi_value v);

/* Argument readers; return false on a type mismatch. */
bool bw_get_i32(napi_env env, napi_value v, int32_t *out);
bool bw_get_u32(napi_env env, napi_value v, uint32_t *out);
bool bw_get_bool(napi_env env, napi_value v, bool *out);
/* Copies into a fresh malloc'd NUL-terminated string; caller frees. */
char *bw_get_string(napi_env env, napi_value v);
bool bw_get_buffer(napi_env env, napi_value v, void **data, size_t *len);
bool bw_is_nullish(napi_env env, napi_value v);

/* Wrapped pointer with a tag so a handle of one kind cannot be passed as another. */
typedef struct {
  uint32_t tag;
} bw_handle_hdr;

void *bw_get_handle(napi_env env, napi_value v, uint32_t tag);

/* libbpf log capture: every libbpf message is appended to a bounded buffer;
 * takeLog hands it to JavaScript and clears it. */
void bw_log_install(void);
napi_value bw_take_log(napi_env env, napi_callback_info info);
napi_value bw_last_error(napi_env env, napi_callback_info info);
void bw_log_clear(void);

#define BW_EXPORT(env, exports, name, fn)                                       \
  do {                                                                          \
    napi_value _f;                                                              \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &_f);           \
    napi_set_named_property(env, exports, name, _f);                            \
  } while (0)

#define BW_ARGS(env, info, c, n)                                                \
  bw_call c;                                                                    \
  if (!bw_args(env, info, &c) || c.argc < (n))                                  \
    return bw_fail(env, 22, "expected %d arguments", (int)(n));

#endif
