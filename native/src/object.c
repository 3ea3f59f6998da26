/* BPF objects: open (file or buffer), configure before load, load, close,
 * and introspection of programs, maps and BTF. */
#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"

static void object_finalize(napi_env env, void *data, void *hint) {
  bw_object *o = data;
  if (o->obj) bpf_object__close(o->obj);
  free(o->mem);
  free(o);
}

static bw_object *get_obj(napi_env env, napi_value v) {
  bw_object *o = bw_get_handle(env, v, BW_TAG_OBJECT);
  return (o && o->obj) ? o : NULL;
}

struct bpf_program *bw_find_prog(napi_env env, napi_value h, napi_value name, napi_value *err) {
  bw_object *o = get_obj(env, h);
  if (!o) { *err = bw_fail(env, EBADF, "object handle is closed or invalid"); return NULL; }
  char *n = bw_get_string(env, name);
  if (!n) { *err = bw_fail(env, EINVAL, "program name must be a string"); return NULL; }
  struct bpf_program *p = bpf_object__find_program_by_name(o->obj, n);
  if (!p) *err = bw_fail(env, ENOENT, "no program named '%s' in object", n);
  free(n);
  return p;
}

struct bpf_map *bw_find_map(napi_env env, napi_value h, napi_value name, napi_value *err) {
  bw_object *o = get_obj(env, h);
  if (!o) { *err = bw_fail(env, EBADF, "object handle is closed or invalid"); return NULL; }
  char *n = bw_get_string(env, name);
  if (!n) { *err = bw_fail(env, EINVAL, "map name must be a string"); return NULL; }
  struct bpf_map *m = bpf_object__find_map_by_name(o->obj, n);
  if (!m) *err = bw_fail(env, ENOENT, "no map named '%s' in object", n);
  free(n);
  return m;
}

/* objOpen(pathOrBuffer, name?) -> handle | -errno */
static napi_value obj_open(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  char *name = (c.argc > 1 && !bw_is_nullish(env, c.argv[1])) ? bw_get_string(env, c.argv[1]) : NULL;
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
  bw_object *o = calloc(1, sizeof(*o));
  if (!o) { free(name); return bw_fail(env, ENOMEM, "out of memory"); }
  o->hdr.tag = BW_TAG_OBJECT;
  void *data;
  size_t len;
  if (bw_get_buffer(env, c.argv[0], &data, &len)) {
    o->mem = malloc(len ? len : 1);
    if (!o->mem) { free(o); free(name); return bw_fail(env, ENOMEM, "out of memory"); }
    memcpy(o->mem, data, len);
    o->obj = bpf_object__open_mem(o->mem, len, &opts);
  } else {
    char *path = bw_get_string(env, c.argv[0]);
    if (!path) { free(o); free(name); return bw_fail(env, EINVAL, "expected a path or a Buffer"); }
    o->obj = bpf_object__open_file(path, &opts);
    free(path);
  }
  free(name);
  if (!o->obj) {
    int err = errno;
    free(o->mem);
    free(o);
    return bw_fail(env, err, "cannot open BPF object: %s", strerror(err));
  }
  napi_value h;
  napi_create_external(env, o, object_finalize, NULL, &h);
  return h;
}

static napi_value obj_load(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_object *o = get_obj(env, c.argv[0]);
  if (!o) return bw_fail(env, EBADF, "object handle is closed or invalid");
  if (o->loaded) return bw_fail(env, EALREADY, "object is already loaded");
  int err = bpf_object__load(o->obj);
  if (err) return bw_fail(env, err, "cannot load BPF object: %s", strerror(-err));
  o->loaded = true;
  return bw_num(env, 0);
}

static napi_value obj_close(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_object *o = bw_get_handle(env, c.argv[0], BW_TAG_OBJECT);
  if (o && o->obj) {
    bpf_object__close(o->obj);
    o->obj = NULL;
    free(o->mem);
    o->mem = NULL;
  }
  return bw_num(env, 0);
}

static napi_value obj_programs(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_object *o = get_obj(env, c.argv[0]);
  if (!o) return bw_fail(env, EBADF, "object handle is closed or invalid");
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  struct bpf_program *p;
  bpf_object__for_each_program(p, o->obj) {
    napi_value e;
    napi_create_object(env, &e);
    bw_set(env, e, "name", bw_str(env, bpf_program__name(p)));
    bw_set(env, e, "section", bw_str(env, bpf_program__section_name(p)));
    bw_set(env, e, "type", bw_num(env, bpf_program__type(p)));
    bw_set(env, e, "expectedAttachType", bw_num(env, bpf_program__expected_attach_type(p)));
    bw_set(env, e, "autoload", bw_bool(env, bpf_program__autoload(p)));
    bw_set(env, e, "insnCount", bw_num(env, (double)bpf_program__insn_cnt(p)));
    bw_set(env, e, "fd", bw_num(env, o->loaded ? bpf_program__fd(p) : -1));
    napi_set_element(env, arr, i++, e);
  }
  return arr;
}

static napi_value obj_maps(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 1);
  bw_object *o = get_obj(env, c.argv[0]);
  if (!o) return bw_fail(env, EBADF, "object handle is closed or invalid");
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  struct bpf_map *m;
  bpf_object__for_each_map(m, o->obj) {
    napi_value e;
    napi_create_object(env, &e);
    bw_set(env, e, "name", bw_str(env, bpf_map__name(m)));
    bw_set(env, e, "type", bw_num(env, bpf_map__type(m)));
    bw_set(env, e, "keySize", bw_num(env, bpf_map__key_size(m)));
    bw_set(env, e, "valueSize", bw_num(env, bpf_map__value_size(m)));
    bw_set(env, e, "maxEntries", bw_num(env, bpf_map__max_entries(m)));
    bw_set(env, e, "flags", bw_num(env, bpf_map__map_flags(m)));
    bw_set(env, e, "internal", bw_bool(env, bpf_map__is_internal(m)));
    bw_set(env, e, "fd", bw_num(env, o->loaded ? bpf_map__fd(m) : -1));
    napi_set_element(env, arr, i++, e);
  }
  return arr;
}

static napi_value prog_set_autoload(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  bool on;
  if (!bw_get_bool(env, c.argv[2], &on)) return bw_fail(env, EINVAL, "autoload must be a boolean");
  int r = bpf_program__set_autoload(p, on);
  return r ? bw_fail(env, r, "cannot set autoload (object already loaded?)") : bw_num(env, 0);
}

static napi_value map_set_max_entries(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_map *m = bw_find_map(env, c.argv[0], c.argv[1], &err);
  if (!m) return err;
  uint32_t n;
  if (!bw_get_u32(env, c.argv[2], &n)) return bw_fail(env, EINVAL, "maxEntries must be an unsigned integer");
  int r = bpf_map__set_max_entries(m, n);
  return r ? bw_fail(env, r, "cannot set max entries (object already loaded?)") : bw_num(env, 0);
}

static napi_value map_initial_value(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  napi_value err;
  struct bpf_map *m = bw_find_map(env, c.argv[0], c.argv[1], &err);
  if (!m) return err;
  size_t sz = 0;
  const void *v = bpf_map__initial_value(m, &sz);
  if (!v) return bw_fail(env, ENOENT, "map has no initial value (not a global data section)");
  napi_value buf;
  napi_create_buffer_copy(env, sz, v, NULL, &buf);
  return buf;
}

static napi_value map_set_initial_value(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_map *m = bw_find_map(env, c.argv[0], c.argv[1], &err);
  if (!m) return err;
  void *data;
  size_t len;
  if (!bw_get_buffer(env, c.argv[2], &data, &len)) return bw_fail(env, EINVAL, "value must be a Buffer");
  int r = bpf_map__set_initial_value(m, data, len);
  return r ? bw_fail(env, r, "cannot set initial value: size must match and the object must not be loaded")
           : bw_num(env, 0);
}

/* datasecVars(obj, ".rodata") -> [{name, offset, size}] */
static napi_value datasec_vars(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  bw_object *o = get_obj(env, c.argv[0]);
  if (!o) return bw_fail(env, EBADF, "object handle is closed or invalid");
  struct btf *btf = bpf_object__btf(o->obj);
  if (!btf) return bw_fail(env, ENOENT, "object has no BTF");
  char *sec = bw_get_string(env, c.argv[1]);
  if (!sec) return bw_fail(env, EINVAL, "section name must be a string");
  int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
  free(sec);
  if (id < 0) return bw_fail(env, ENOENT, "no such data section in BTF");
  const struct btf_type *t = btf__type_by_id(btf, id);
  const struct btf_var_secinfo *vs = btf_var_secinfos(t);
  napi_value arr;
  napi_create_array(env, &arr);
  for (uint32_t i = 0; i < btf_vlen(t); i++, vs++) {
    const struct btf_type *var = btf__type_by_id(btf, vs->type);
    napi_value e;
    napi_create_object(env, &e);
    bw_set(env, e, "name", bw_str(env, btf__name_by_offset(btf, var->name_off)));
    bw_set(env, e, "offset", bw_num(env, vs->offset));
    bw_set(env, e, "size", bw_num(env, vs->size));
    napi_set_element(env, arr, i, e);
  }
  return arr;
}

/* btfStruct(obj, name) -> {size, members:[{name, offset, bitOffset, bitSize, size}]} */
static napi_value btf_struct(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  bw_object *o = get_obj(env, c.argv[0]);
  if (!o) return bw_fail(env, EBADF, "object handle is closed or invalid");
  struct btf *btf = bpf_object__btf(o->obj);
  if (!btf) return bw_fail(env, ENOENT, "object has no BTF");
  char *name = bw_get_string(env, c.argv[1]);
  if (!name) return bw_fail(env, EINVAL, "struct name must be a string");
  int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
  if (id < 0) {
    napi_value r = bw_fail(env, ENOENT, "no struct '%s' in the object's BTF", name);
    free(name);
    return r;
  }
  free(name);
  const struct btf_type *t = btf__type_by_id(btf, id);
  napi_value out, arr;
  napi_create_object(env, &out);
  napi_create_array(env, &arr);
  bw_set(env, out, "size", bw_num(env, t->size));
  const struct btf_member *m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    napi_value e;
    napi_create_object(env, &e);
    uint32_t bit_off = btf_member_bit_offset(t, i);
    bw_set(env, e, "name", bw_str(env, btf__name_by_offset(btf, m->name_off)));
    bw_set(env, e, "offset", bw_num(env, bit_off / 8));
    bw_set(env, e, "bitOffset", bw_num(env, bit_off));
    bw_set(env, e, "bitSize", bw_num(env, btf_member_bitfield_size(t, i)));
    bw_set(env, e, "size", bw_num(env, btf__resolve_size(btf, m->type)));
    napi_set_element(env, arr, i, e);
  }
  bw_set(env, out, "members", arr);
  return out;
}

static napi_value prog_fd(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 2);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  int fd = bpf_program__fd(p);
  return fd < 0 ? bw_fail(env, fd, "program is not loaded") : bw_num(env, fd);
}

static napi_value prog_pin(napi_env env, napi_callback_info info) {
  BW_ARGS(env, info, c, 3);
  napi_value err;
  struct bpf_program *p = bw_find_prog(env, c.argv[0], c.argv[1], &err);
  if (!p) return err;
  char *path = bw_get_string(env, c.argv[2]);
  if (!path) return bw_fail(env, EINVAL, "pin path must be a string");
  int r = bpf_program__pin(p, path);
  napi_value out = r ? bw_fail(env, r, "cannot pin program at %s: %s", path, strerror(-r)) : bw_num(env, 0);
  free(path);
  return out;
}

void bw_register_object(napi_env env, napi_value exports) {
  BW_EXPORT(env, exports, "objOpen", obj_open);
  BW_EXPORT(env, exports, "objLoad", obj_load);
  BW_EXPORT(env, exports, "objClose", obj_close);
  BW_EXPORT(env, exports, "objPrograms", obj_programs);
  BW_EXPORT(env, exports, "objMaps", obj_maps);
  BW_EXPORT(env, exports, "progSetAutoload", prog_set_autoload);
  BW_EXPORT(env, exports, "progFd", prog_fd);
  BW_EXPORT(env, exports, "progPin", prog_pin);
  BW_EXPORT(env, exports, "mapSetMaxEntries", map_set_max_entries);
  BW_EXPORT(env, exports, "mapInitialValue", map_initial_value);
  BW_EXPORT(env, exports, "mapSetInitialValue", map_set_initial_value);
  BW_EXPORT(env, exports, "datasecVars", datasec_vars);
  BW_EXPORT(env, exports, "btfStruct", btf_struct);
}
