/* Network interfaces as the calling process's network namespace sees them:
 * /sys/class/net shows the namespace the sysfs was mounted for, which is not
 * the caller's after nsenter --net (or in a container sharing the host's /sys). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"

/* ifNameToIndex(name) -> ifindex | -errno (-ENODEV: no such interface here) */
static napi_value if_name_to_index(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  char *name = bw_get_string(env, c.argv[0]);
  if (!name) return bw_fail(env, EINVAL, "interface name must be a string");
  if (strlen(name) >= IF_NAMESIZE) {
    napi_value r = bw_fail(env, EINVAL, "interface name \"%s\" is longer than %d characters", name, IF_NAMESIZE - 1);
    free(name);
    return r;
  }
  unsigned idx = if_nametoindex(name);
  int err = errno;
  napi_value r = idx ? bw_num(env, idx) : bw_fail(env, err ? err : ENODEV, "no network interface named \"%s\" in this network namespace: %s", name, strerror(err ? err : ENODEV));
  free(name);
  return r;
}

/* xdpQuery(ifindex) -> {progId, drvProgId, skbProgId, hwProgId, attachMode} | -errno:
 * the XDP programs attached to the interface, asked of the kernel by netlink
 * in the caller's network namespace (0: none). */
static napi_value xdp_query(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  int32_t ifindex;
  if (!bw_get_i32(env, c.argv[0], &ifindex) || ifindex <= 0) return bw_fail(env, EINVAL, "xdpQuery expects an ifindex > 0");
  LIBBPF_OPTS(bpf_xdp_query_opts, opts);
  int r = bpf_xdp_query(ifindex, 0, &opts);
  if (r) return bw_fail(env, r, "cannot query XDP on ifindex %d: %s", ifindex, strerror(-r));
  napi_value o;
  napi_create_object(env, &o);
  bw_set(env, o, "progId", bw_num(env, opts.prog_id));
  bw_set(env, o, "drvProgId", bw_num(env, opts.drv_prog_id));
  bw_set(env, o, "skbProgId", bw_num(env, opts.skb_prog_id));
  bw_set(env, o, "hwProgId", bw_num(env, opts.hw_prog_id));
  bw_set(env, o, "attachMode", bw_num(env, opts.attach_mode));
  return o;
}

void bw_register_net(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "ifNameToIndex", if_name_to_index);
  BW_EXPORT(env, exports, "xdpQuery", xdp_query);
}
