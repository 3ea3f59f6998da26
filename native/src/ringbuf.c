/* Ring buffer consumer on the event loop: a uv_poll on libbpf's epoll fd;
 * each wake-up drains records into one reusable ArrayBuffer and calls
 * JavaScript once per batch. An optional uv_timer drains the same way every
 * poll interval, for programs that submit without waking the consumer until
 * a threshold of bytes waits in the ring (wake-up batching). Records are framed as
 *   u32 length | u32 reserved | data | padding to 8 bytes.
 * The batch view is valid only during the callback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "handles.h"

#define DEFAULT_BATCH_BYTES (1u << 20)
#define STOP_BATCH 1 /* positive sentinel is not an error to libbpf callers */

typedef struct {
  bw_handle_hdr hdr;
  napi_env env;
  struct ring_buffer *rb;
  uv_poll_t poll;
  uv_timer_t timer;
  uint32_t poll_ms; /* 0: no periodic drain */
  int open_handles; /* libuv handles not yet closed */
  napi_ref cb_ref, self_ref, ab_ref;
  napi_async_context actx;
  uint8_t *data;
  size_t cap, len, budget, consumed;
  uint32_t count;
  bool in_consume, closing, closed;
  uint64_t wakeups, records, bytes, batches, max_batch, callback_errors;
  uint64_t timer_drains; /* periodic drains that found records */
} bw_ringbuf;

static void finalize(napi_env env, void *data, void *hint) { free(data); }

static bool ensure_buffer(bw_ringbuf *r, size_t need) {
  napi_env env = r->env;
  napi_value ab;
  bool detached = true;
  if (r->ab_ref && napi_get_reference_value(env, r->ab_ref, &ab) == napi_ok && ab)
    napi_is_detached_arraybuffer(env, ab, &detached);
  if (!detached && need <= r->cap) return true;
  size_t cap = need > r->cap ? need : r->cap;
  void *p;
  if (napi_create_arraybuffer(env, cap, &p, &ab) != napi_ok) return false;
  if (r->ab_ref) napi_delete_reference(env, r->ab_ref);
  napi_create_reference(env, ab, 1, &r->ab_ref);
  r->data = p;
  r->cap = cap;
  return true;
}

static void deliver(bw_ringbuf *r) {
  if (r->count == 0 || r->closed) return;
  napi_env env = r->env;
  napi_value cb, ab, recv, res, argv[3];
  napi_get_reference_value(env, r->cb_ref, &cb);
  napi_get_reference_value(env, r->ab_ref, &ab);
  napi_get_global(env, &recv); /* make_callback needs an object receiver */
  argv[0] = ab;
  argv[1] = bw_num(env, (double)r->len);
  argv[2] = bw_num(env, r->count);
  r->batches++;
  if (r->count > r->max_batch) r->max_batch = r->count;
  r->len = 0;
  r->count = 0;
  napi_status s = napi_make_callback(env, r->actx, recv, cb, 3, argv, &res);
  if (s == napi_pending_exception) {
    /* Surface as an uncaught exception, never abort. */
    napi_value e;
    r->callback_errors++;
    napi_get_and_clear_last_exception(env, &e);
    napi_fatal_exception(env, e);
  }
}

static int on_sample(void *ctx, void *data, size_t size) {
  bw_ringbuf *r = ctx;
  size_t need = 8 + ((size + 7) & ~(size_t)7);
  if (r->len + need > r->cap) deliver(r);
  if (r->closing) return -ECANCELED; /* record is dropped with the consumer */
  if (!ensure_buffer(r, need)) return -ENOMEM;
  uint32_t hdr[2] = {(uint32_t)size, 0};
  memcpy(r->data + r->len, hdr, 8);
  memcpy(r->data + r->len + 8, data, size);
  r->len += need;
  r->count++;
  r->records++;
  r->bytes += size;
  r->consumed += need;
  /* Budget per wake-up: yield to the event loop; uv_poll fires again while
   * the ring still holds data (the ring's poll is level-triggered). */
  return r->consumed >= r->budget ? -EAGAIN : 0;
}

static void on_closed(uv_handle_t *h) {
  bw_ringbuf *r = h->data;
  if (--r->open_handles > 0) return; /* the other handle closes later */
  napi_env env = r->env;
  if (r->rb) ring_buffer__free(r->rb);
  r->rb = NULL;
  if (r->cb_ref) napi_delete_reference(env, r->cb_ref);
  if (r->ab_ref) napi_delete_reference(env, r->ab_ref);
  if (r->actx) napi_async_destroy(env, r->actx);
  r->cb_ref = r->ab_ref = NULL;
  r->actx = NULL;
  napi_ref self = r->self_ref;
  r->self_ref = NULL;
  if (self) napi_delete_reference(env, self);
}

static void do_close(bw_ringbuf *r) {
  if (r->closed) return;
  r->closed = true;
  uv_poll_stop(&r->poll);
  r->open_handles = 1;
  if (r->poll_ms) {
    uv_timer_stop(&r->timer);
    r->open_handles = 2;
    uv_close((uv_handle_t *)&r->timer, on_closed);
  }
  uv_close((uv_handle_t *)&r->poll, on_closed);
}

/* Drain once; returns records consumed or -errno. */
static int drain(bw_ringbuf *r) {
  r->in_consume = true;
  r->consumed = 0;
  uint64_t before = r->records;
  int err = ring_buffer__consume(r->rb);
  if (!r->closing) deliver(r);
  r->in_consume = false;
  if (r->closing) do_close(r);
  if (err < 0 && err != -EAGAIN && err != -ECANCELED) return err;
  return (int)(r->records - before);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  bw_ringbuf *r = h->data;
  if (r->closed || r->closing) return;
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  r->wakeups++;
  if (status < 0) {
    r->callback_errors++;
  } else {
    drain(r);
  }
  napi_close_handle_scope(r->env, scope);
}

/* Periodic drain: records submitted without a wake-up arrive within poll_ms. */
static void on_timer(uv_timer_t *h) {
  bw_ringbuf *r = h->data;
  if (r->closed || r->closing || r->in_consume) return;
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  if (drain(r) > 0) r->timer_drains++;
  napi_close_handle_scope(r->env, scope);
}

static void env_cleanup(void *arg) {
  bw_ringbuf *r = arg;
  if (!r->closed) {
    r->closed = true;
    uv_poll_stop(&r->poll);
    if (r->poll_ms) uv_timer_stop(&r->timer);
    if (r->rb) ring_buffer__free(r->rb);
    r->rb = NULL;
  }
}

/* ringbufOpen(mapFd, callback(ab, len, count), batchBytes?, pollIntervalMs?) -> handle | -errno */
static napi_value rb_open(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  int32_t fd;
  if (!bw_get_i32(env, c.argv[0], &fd) || fd < 0) return bw_fail(env, EBADF, "map fd must be a non-negative integer");
  napi_valuetype t;
  napi_typeof(env, c.argv[1], &t);
  if (t != napi_function) return bw_fail(env, EINVAL, "callback must be a function");
  uint32_t batch = DEFAULT_BATCH_BYTES;
  if (c.argc > 2 && !bw_is_nullish(env, c.argv[2]) && (!bw_get_u32(env, c.argv[2], &batch) || batch < 4096))
    return bw_fail(env, EINVAL, "batch bytes must be an integer >= 4096");
  uint32_t poll_ms = 0;
  if (c.argc > 3 && !bw_is_nullish(env, c.argv[3]) &&
      (!bw_get_u32(env, c.argv[3], &poll_ms) || poll_ms > 3600000))
    return bw_fail(env, EINVAL, "poll interval must be an integer number of ms in 0..3600000");

  bw_ringbuf *r = calloc(1, sizeof(*r));
  if (!r) return bw_fail(env, ENOMEM, "out of memory");
  r->hdr.tag = BW_TAG_RINGBUF;
  r->env = env;
  r->budget = batch;
  r->rb = ring_buffer__new(fd, on_sample, r, NULL);
  if (!r->rb) {
    int err = errno;
    free(r);
    return bw_fail(env, err, "cannot open ring buffer: %s", strerror(err));
  }
  r->cap = 0;
  if (!ensure_buffer(r, batch + 4096)) {
    ring_buffer__free(r->rb);
    free(r);
    return bw_fail(env, ENOMEM, "cannot allocate batch buffer");
  }
  struct uv_loop_s *loop;
  napi_get_uv_event_loop(env, &loop);
  int err = uv_poll_init(loop, &r->poll, ring_buffer__epoll_fd(r->rb));
  if (err) {
    napi_delete_reference(env, r->ab_ref);
    ring_buffer__free(r->rb);
    free(r);
    return bw_fail(env, -err, "cannot poll ring buffer: %s", uv_strerror(err));
  }
  r->poll.data = r;
  r->poll_ms = poll_ms;
  if (poll_ms) {
    uv_timer_init(loop, &r->timer); /* cannot fail on Linux */
    r->timer.data = r;
  }
  napi_create_reference(env, c.argv[1], 1, &r->cb_ref);
  napi_value name;
  napi_create_string_utf8(env, "bpfwarden:ringbuf", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->actx);
  napi_value h;
  napi_create_external(env, r, finalize, NULL, &h);
  napi_create_reference(env, h, 1, &r->self_ref); /* alive until closed */
  napi_add_env_cleanup_hook(env, env_cleanup, r);
  uv_poll_start(&r->poll, UV_READABLE, on_poll);
  if (poll_ms) {
    uv_timer_start(&r->timer, on_timer, poll_ms, poll_ms);
    uv_unref((uv_handle_t *)&r->timer); /* the poll handle alone keeps the loop alive, as before */
  }
  return h;
}

static bw_ringbuf *get_rb(napi_env env, napi_value v) {
  bw_ringbuf *r = bw_get_handle(env, v, BW_TAG_RINGBUF);
  return (r && !r->closed && !r->closing) ? r : NULL;
}

/* ringbufConsume(h): synchronous drain (used on shutdown). */
static napi_value rb_consume(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_ringbuf *r = get_rb(env, c.argv[0]);
  if (!r) return bw_fail(env, EBADF, "ring buffer is closed or invalid");
  if (r->in_consume) return bw_fail(env, EBUSY, "ring buffer is already being consumed");
  int n = drain(r);
  return n < 0 ? bw_fail(env, n, "ring buffer consume failed: %s", strerror(-n)) : bw_num(env, n);
}

/* ringbufClose(h): safe at any time, including inside its own callback. */
static napi_value rb_close(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_ringbuf *r = bw_get_handle(env, c.argv[0], BW_TAG_RINGBUF);
  if (!r) return bw_fail(env, EBADF, "not a ring buffer handle");
  if (r->closed || r->closing) return bw_num(env, 0);
  napi_remove_env_cleanup_hook(env, env_cleanup, r);
  if (r->in_consume) r->closing = true; /* finished by drain() */
  else do_close(r);
  return bw_num(env, 0);
}

static napi_value rb_stats(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_ringbuf *r = bw_get_handle(env, c.argv[0], BW_TAG_RINGBUF);
  if (!r) return bw_fail(env, EBADF, "not a ring buffer handle");
  napi_value o;
  napi_create_object(env, &o);
  bw_set(env, o, "wakeups", bw_num(env, (double)r->wakeups));
  bw_set(env, o, "records", bw_num(env, (double)r->records));
  bw_set(env, o, "bytes", bw_num(env, (double)r->bytes));
  bw_set(env, o, "batches", bw_num(env, (double)r->batches));
  bw_set(env, o, "maxBatch", bw_num(env, (double)r->max_batch));
  bw_set(env, o, "callbackErrors", bw_num(env, (double)r->callback_errors));
  bw_set(env, o, "timerDrains", bw_num(env, (double)r->timer_drains));
  return o;
}

void bw_register_ringbuf(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "ringbufOpen", rb_open);
  BW_EXPORT(env, exports, "ringbufConsume", rb_consume);
  BW_EXPORT(env, exports, "ringbufClose", rb_close);
  BW_EXPORT(env, exports, "ringbufStats", rb_stats);
}
