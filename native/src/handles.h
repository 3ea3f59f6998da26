/* Handle types shared between the bridge's files. Each JavaScript handle is a
 * napi_external whose data starts with a tag, checked on every call. */
#ifndef BW_HANDLES_H
#define BW_HANDLES_H

#include <bpf/libbpf.h>
#include "util.h"

#define BW_TAG_OBJECT 0x0b1ec700u
#define BW_TAG_LINK 0x11c4u
#define BW_TAG_RINGBUF 0x41b0u

typedef struct {
  bw_handle_hdr hdr;
  struct bpf_object *obj;
  void *mem; /* owned copy of an in-memory ELF, if opened from a buffer */
  bool loaded;
} bw_object;

/* Resolve (objectHandle, programName) to a program; NULL with an error set. */
struct bpf_program *bw_find_prog(napi_env env, napi_value h, napi_value name, napi_value *err);
struct bpf_map *bw_find_map(napi_env env, napi_value h, napi_value name, napi_value *err);

void bw_register_object(napi_env env, napi_value exports);
void bw_register_link(napi_env env, napi_value exports);
void bw_register_map(napi_env env, napi_value exports);
void bw_register_ringbuf(napi_env env, napi_value exports);
void bw_register_sys(napi_env env, napi_value exports);
void bw_register_kernel(napi_env env, napi_value exports);
void bw_register_attach_fd(napi_env env, napi_value exports);
void bw_register_net(napi_env env, napi_value exports);

#endif
