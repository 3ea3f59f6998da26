#!/usr/bin/env bash
# Builds the C workload generators used by tests and benchmarks into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
for src in bench/storm/*.c; do
  out="build/$(basename "${src%.c}")"
  [ "$out" -nt "$src" ] && continue
  cc -O2 -Wall -Wextra -o "$out" "$src"
  echo "build-tools: $out"
done
