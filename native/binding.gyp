{
  "targets": [
    {
      "target_name": "bpfwarden_native",
      "sources": [
        "src/addon.c",
        "src/util.c",
        "src/object.c",
        "src/link.c",
        "src/map.c",
        "src/ringbuf.c",
        "src/sys.c",
        "src/kernel.c",
        "src/attach_fd.c",
        "src/net.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-fvisibility=hidden"],
      "libraries": ["-lbpf", "-lelf", "-lz"],
      "defines": ["NAPI_VERSION=9"]
    },
    {
      "target_name": "bw_sqlite_deadline",
      "sources": ["sqlite/deadline.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
