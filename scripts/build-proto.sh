#!/usr/bin/env bash
# Generates the gRPC TypeScript (src/api/grpc/gen/, not committed) from
# proto/ with protoc and ts-proto. The output runs directly under Node's type
# stripping: literal objects instead of enums, .ts import suffixes. Each file
# is written beside its target and renamed over it, so a concurrent build
# never reads half a file. Skips when the output is newer than its inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=src/api/grpc/gen
PLUGIN=node_modules/.bin/protoc-gen-ts_proto
OPTS=outputServices=grpc-js,esModuleInterop=true,importSuffix=.ts,enumsAsLiterals=true,forceLong=number,useOptionals=messages,outputJsonMethods=false,outputPartialMethods=false,useExactTypes=false

command -v protoc >/dev/null || { echo "build-proto: protoc is missing: apt-get install protobuf-compiler (or run scripts/setup.sh)" >&2; exit 1; }
[ -x "$PLUGIN" ] || { echo "build-proto: $PLUGIN is missing: run npm install" >&2; exit 1; }

mapfile -t protos < <(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
stale=0
for p in "${protos[@]}"; do
  out="$OUT/${p%.proto}.ts"
  if [ ! "$out" -nt "proto/$p" ] || [ ! "$out" -nt "$0" ]; then stale=1; fi
done
[ "$stale" = 0 ] && exit 0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bpfwarden-proto.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
protoc --plugin=protoc-gen-ts_proto="$PLUGIN" --ts_proto_out="$tmp" --ts_proto_opt="$OPTS" -I proto "${protos[@]/#/proto/}"
( cd "$tmp" && find . -name '*.ts' ) | while read -r f; do
  mkdir -p "$OUT/$(dirname "$f")"
  cp "$tmp/$f" "$OUT/$f.$$.tmp"
  mv -f "$OUT/$f.$$.tmp" "$OUT/$f"
done
echo "build-proto: $OUT"
