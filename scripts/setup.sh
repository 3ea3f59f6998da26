#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu host for bpfwarden: system packages (clang,
# libbpf, bpftool, build tools), npm packages (including Node.js 24, which
# the project runs on), then builds the BPF objects, the native bridge, the
# workload tools and the TypeScript. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

APT_PACKAGES=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libsqlite3-dev pkg-config make g++ python3 iproute2 ca-certificates protobuf-compiler chromium openssl zsh fish)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v npm >/dev/null || { say "npm is missing: install Node.js (any version >= 18) with npm first" >&2; exit 1; }

if [ ! -x node_modules/node/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (including Node.js 24)"
  # npm install, not npm ci: the lock holds the versions, but the registry here
  # serves only some platforms' optional packages (e.g. Biome's), which npm ci
  # treats as a lock mismatch.
  npm install --no-audit --no-fund --loglevel=error
fi

say "building BPF objects"
npm run --silent build:bpf
say "building the native bridge against Node.js $(node_modules/.bin/node --version)"
npm run --silent build:native >/dev/null
npm run --silent build:tools
say "compiling TypeScript"
npm run --silent build:ts
say "ready: $(pwd)/bin/bpfwarden"
