#!/usr/bin/env bash
# Compiles bpf/*.bpf.c into build/bpf/*.bpf.o with CO-RE against a vmlinux.h
# generated from the running kernel's BTF (cached per kernel release).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bpf
mkdir -p "$out"
btf=/sys/kernel/btf/vmlinux
[ -r "$btf" ] || { echo "build-bpf: $btf is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is required)" >&2; exit 1; }
command -v clang >/dev/null || { echo "build-bpf: clang is missing (apt-get install clang)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "build-bpf: bpftool is missing (apt-get install bpftool)" >&2; exit 1; }
stamp="$out/vmlinux.h.release"
if [ ! -s "$out/vmlinux.h" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$(uname -r)" ]; then
  bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
  mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
  uname -r > "$stamp"
fi
arch=$(uname -m); case "$arch" in x86_64) tarch=x86;; aarch64) tarch=arm64;; *) tarch=$arch;; esac
# Each object builds on its own: one broken program does not stop the others.
failed=()
for src in bpf/*.bpf.c; do
  obj="$out/$(basename "${src%.c}").o"
  if [ "$obj" -nt "$src" ] && [ -z "$(find bpf/include "$out/vmlinux.h" -newer "$obj" 2>/dev/null)" ]; then continue; fi
  if clang -g -O2 -target bpf -D__TARGET_ARCH_"$tarch" -Wall -Werror \
    -I"$out" -Ibpf/include -c "$src" -o "$obj.tmp"; then
    mv "$obj.tmp" "$obj"
    echo "build-bpf: $obj"
  else
    rm -f "$obj.tmp"
    failed+=("$src")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "build-bpf: failed: ${failed[*]}" >&2
  exit 1
fi
# The program manager's test objects and uprobe target (test/fixtures/).
scripts/build-test-bpf.sh
