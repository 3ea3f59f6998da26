/* bpfwarden native bridge: a thin N-API layer over the system libbpf.
 * Every entry point returns a value or a negative errno (details from
 * lastError() and takeLog()); nothing here throws or aborts. */
#include "handles.h"

static napi_value init(napi_env env, napi_value exports) {
  bw_log_install();
  BW_EXPORT(env, exports, "takeLog", bw_take_log);
  BW_EXPORT(env, exports, "lastError", bw_last_error);
  bw_register_object(env, exports);
  bw_register_link(env, exports);
  bw_register_map(env, exports);
  bw_register_ringbuf(env, exports);
  bw_register_sys(env, exports);
  bw_register_kernel(env, exports);
  bw_register_attach_fd(env, exports);
  bw_register_net(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
