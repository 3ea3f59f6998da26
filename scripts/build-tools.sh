#!/usr/bin/env bash
# Builds the C workload generators (bench/storm/*.c) and the reference libbpf
# consumer (bench/ref/consumer.c) used by tests and benchmarks into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
for src in bench/storm/*.c; do
  out="build/$(basename "${src%.c}")"
  [ "$out" -nt "$src" ] && [ "$out" -nt bench/storm/pace.h ] && continue
  cc -O2 -Wall -Wextra -pthread -o "$out" "$src"
  echo "build-tools: $out"
done
# The practical limit of a userspace consumer: counts ring buffer records only.
ref=build/ref_consumer
if [ ! "$ref" -nt bench/ref/consumer.c ]; then
  cc -O2 -Wall -Wextra -o "$ref" bench/ref/consumer.c -lbpf -lelf -lz
  echo "build-tools: $ref"
fi
