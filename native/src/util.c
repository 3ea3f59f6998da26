#include "util.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Verifier logs can be megabytes; keep the newest 4 MiB at most. */
#define LOG_CAP (4u << 20)

static char *log_buf;
static size_t log_len;
static char last_error[1024];

static void log_append(const char *s, size_t n) {
  if (!log_buf) {
    log_buf = malloc(LOG_CAP + 1);
    if (!log_buf) return;
  }
  if (n > LOG_CAP) {
    s += n - LOG_CAP;
    n = LOG_CAP;
  }
  if (log_len + n > LOG_CAP) {
    size_t drop = log_len + n - LOG_CAP;
    memmove(log_buf, log_buf + drop, log_len - drop);
    log_len -= drop;
  }
  memcpy(log_buf + log_len, s, n);
  log_len += n;
  log_buf[log_len] = '\0';
}

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap) {
  if (level == LIBBPF_DEBUG && !getenv("BPFWARDEN_LIBBPF_DEBUG")) return 0;
  va_list cp;
  va_copy(cp, ap);
  int need = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (need <= 0) return 0;
  char small[512];
  char *out = (size_t)need < sizeof(small) ? small : malloc((size_t)need + 1);
  if (!out) return 0;
  vsnprintf(out, (size_t)need + 1, fmt, ap);
  log_append(out, (size_t)need);
  if (out != small) free(out);
  return 0;
}

void bw_log_install(void) { libbpf_set_print(print_cb); }
void bw_log_clear(void) { log_len = 0; if (log_buf) log_buf[0] = '\0'; }

napi_value bw_take_log(napi_env env, napi_callback_info info) {
  napi_value s;
  napi_create_string_utf8(env, log_buf ? log_buf : "", log_len, &s);
  bw_log_clear();
  return s;
}

napi_value bw_last_error(napi_env env, napi_callback_info info) {
  return bw_str(env, last_error);
}

bool bw_args(napi_env env, napi_callback_info info, bw_call *c) {
  c->env = env;
  c->argc = BW_MAX_ARGS;
  return napi_get_cb_info(env, info, &c->argc, c->argv, NULL, NULL) == napi_ok;
}

napi_value bw_fail(napi_env env, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof(last_error), fmt, ap);
  va_end(ap);
  if (err < 0) err = -err;
  if (err == 0) err = EINVAL;
  return bw_num(env, -(double)err);
}

napi_value bw_num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value bw_i64(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

napi_value bw_bigint_u64(napi_env env, uint64_t v) {
  napi_value r;
  napi_create_bigint_uint64(env, v, &r);
  return r;
}

napi_value bw_str(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value bw_bool(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

napi_value bw_undef(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

void bw_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

bool bw_get_i32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

bool bw_get_u32(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

bool bw_get_bool(napi_env env, napi_value v, bool *out) {
  return napi_get_value_bool(env, v, out) == napi_ok;
}

char *bw_get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

bool bw_get_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  if (napi_is_buffer(env, v, &is) == napi_ok && is)
    return napi_get_buffer_info(env, v, data, len) == napi_ok;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type t;
    size_t n, off;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &t, &n, data, &ab, &off) != napi_ok) return false;
    *len = n; /* callers pass Uint8Array/Buffer; n is the byte length for those */
    return t == napi_uint8_array;
  }
  return false;
}

bool bw_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return true;
  return t == napi_null || t == napi_undefined;
}

void *bw_get_handle(napi_env env, napi_value v, uint32_t tag) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) return NULL;
  return ((bw_handle_hdr *)p)->tag == tag ? p : NULL;
}
