#!/usr/bin/env bash
# Builds the program manager's test objects (test/fixtures/bpf/*.bpf.c) into
# build/test-bpf/, against the vmlinux.h build-bpf.sh generates, and the
# uprobe target binary (test/fixtures/uprobe_target.c).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/test-bpf
mkdir -p "$out"
[ -s build/bpf/vmlinux.h ] || { echo "build-test-bpf: run scripts/build-bpf.sh first (it generates build/bpf/vmlinux.h)" >&2; exit 1; }
arch=$(uname -m); case "$arch" in x86_64) tarch=x86;; aarch64) tarch=arm64;; *) tarch=$arch;; esac
for src in test/fixtures/bpf/*.bpf.c; do
  obj="$out/$(basename "${src%.c}").o"
  if [ "$obj" -nt "$src" ] && [ "$obj" -nt test/fixtures/bpf/counter.h ]; then continue; fi
  clang -g -O2 -target bpf -D__TARGET_ARCH_"$tarch" -Wall -Werror \
    -Ibuild/bpf -Ibpf/include -Itest/fixtures/bpf -c "$src" -o "$obj.tmp"
  mv "$obj.tmp" "$obj"
  echo "build-test-bpf: $obj"
done
bin="$out/uprobe_target"
if [ ! "$bin" -nt test/fixtures/uprobe_target.c ]; then
  cc -O1 -g -Wall -o "$bin" test/fixtures/uprobe_target.c
  echo "build-test-bpf: $bin"
fi
