/* Reference consumer: the practical limit of a userspace ring buffer reader.
 * Opens a compiled bpfwarden object, sizes its ring buffer, loads it,
 * attaches every program by its section, and only counts records until
 * SIGINT/SIGTERM. Then it detaches, drains what the kernel committed, sums
 * the per-CPU drops map over all keys and prints one JSON line:
 *   {"records":N,"bytes":N,"drops":N}
 *
 *   ref_consumer OBJECT RING_MAP DROPS_MAP [RING_BYTES] [GLOBAL=VALUE...]
 *
 * GLOBAL=VALUE sets a read-only global (a `const volatile` in .rodata) before
 * load, as the agent does for kernel-dependent switches. "ready" goes to
 * stderr once every program is attached. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKS 64

static volatile sig_atomic_t stopping;
static unsigned long long records, bytes;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int on_record(void *ctx, void *data, size_t size) {
  (void)ctx;
  (void)data;
  records++;
  bytes += size;
  return 0;
}

static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ref_consumer: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/* Writes value into the .rodata variable `name` (little-endian, its own size). */
static int set_rodata(struct bpf_object *obj, const char *name, long long value) {
  struct btf *btf = bpf_object__btf(obj);
  if (!btf) return -ENOENT;
  int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (sec_id < 0) return -ENOENT;
  const struct btf_type *sec = btf__type_by_id(btf, sec_id);
  const struct btf_var_secinfo *vi = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); i++, vi++) {
    const struct btf_type *var = btf__type_by_id(btf, vi->type);
    if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0) continue;
    if (vi->size > sizeof(value)) return -EINVAL;
    struct bpf_map *map;
    bpf_object__for_each_map(map, obj) {
      if (!bpf_map__is_internal(map) || !strstr(bpf_map__name(map), ".rodata")) continue;
      size_t size;
      const void *init = bpf_map__initial_value(map, &size);
      if (!init || vi->offset + vi->size > size) return -EINVAL;
      char *copy = malloc(size);
      if (!copy) return -ENOMEM;
      memcpy(copy, init, size);
      memcpy(copy + vi->offset, &value, vi->size);
      int err = bpf_map__set_initial_value(map, copy, size);
      free(copy);
      return err;
    }
    return -ENOENT;
  }
  return -ENOENT;
}

/* Sum of a per-CPU array of u64 over every key and CPU. */
static long long sum_drops(struct bpf_map *map) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0 || bpf_map__value_size(map) != sizeof(__u64)) return -1;
  __u64 *vals = calloc(ncpu, sizeof(__u64));
  if (!vals) return -1;
  long long total = 0;
  for (__u32 key = 0; key < bpf_map__max_entries(map); key++) {
    if (bpf_map_lookup_elem(bpf_map__fd(map), &key, vals) != 0) continue;
    for (int c = 0; c < ncpu; c++) total += vals[c];
  }
  free(vals);
  return total;
}

int main(int argc, char **argv) {
  if (argc < 4)
    return fail("usage: ref_consumer OBJECT RING_MAP DROPS_MAP [RING_BYTES] [GLOBAL=VALUE...]"), 2;
  const char *path = argv[1], *ring_name = argv[2], *drops_name = argv[3];
  unsigned long ring_bytes = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;

  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) return fail("cannot open %s: %s", path, strerror(errno));
  struct bpf_map *ring = bpf_object__find_map_by_name(obj, ring_name);
  struct bpf_map *drops = bpf_object__find_map_by_name(obj, drops_name);
  if (!ring || !drops) return fail("%s has no map %s", path, ring ? drops_name : ring_name);
  if (ring_bytes && bpf_map__set_max_entries(ring, ring_bytes) != 0)
    return fail("cannot size %s to %lu bytes", ring_name, ring_bytes);
  for (int i = 5; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) return fail("expected GLOBAL=VALUE, got %s", argv[i]);
    *eq = 0;
    int err = set_rodata(obj, argv[i], strtoll(eq + 1, NULL, 0));
    if (err) return fail("cannot set global %s: %s", argv[i], strerror(-err));
  }
  if (bpf_object__load(obj) != 0) return fail("cannot load %s: %s", path, strerror(errno));

  struct bpf_link *links[MAX_LINKS];
  int nlinks = 0;
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    if (nlinks == MAX_LINKS) return fail("more than %d programs", MAX_LINKS);
    links[nlinks] = bpf_program__attach(prog);
    if (!links[nlinks]) return fail("cannot attach %s: %s", bpf_program__name(prog), strerror(errno));
    nlinks++;
  }

  struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(ring), on_record, NULL, NULL);
  if (!rb) return fail("cannot open ring buffer %s: %s", ring_name, strerror(errno));

  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  fprintf(stderr, "ready\n");

  while (!stopping) {
    int n = ring_buffer__poll(rb, 100);
    if (n < 0 && n != -EINTR) return fail("poll failed: %s", strerror(-n));
  }
  /* Detach first, then take everything the kernel committed before that. */
  for (int i = 0; i < nlinks; i++) bpf_link__destroy(links[i]);
  ring_buffer__consume(rb);
  long long lost = sum_drops(drops);
  printf("{\"records\":%llu,\"bytes\":%llu,\"drops\":%lld}\n", records, bytes, lost);
  fflush(stdout);
  ring_buffer__free(rb);
  bpf_object__close(obj);
  return 0;
}
