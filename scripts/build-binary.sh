#!/usr/bin/env bash
# Builds dist/pause: the C helper (build/libpause-helper.so), then the Bun
# executable that embeds it. Never strip the result: the program lives in
# the executable's .bun section.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CC:-gcc}
OUT=${OUT:-dist/pause}
# The runtime the executable is made from: by default the one running the
# build; the image build passes the baseline x64 or the aarch64 runtime.
RUNTIME=${RUNTIME:-}
BUN=${BUN:-node_modules/.bin/bun} # the pinned one, also outside npm scripts

version=$(node -p 'require("./package.json").version')
if revision=$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null); then
  version="$version-g$revision"
fi

mkdir -p build "$(dirname "$OUT")"
echo "helper: $CC -> build/libpause-helper.so"
"$CC" -std=c11 -Os -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
  -Wl,-z,relro,-z,now -Wl,--build-id=none -s \
  -o build/libpause-helper.so c/pause-helper.c

echo "binary: pause.ts v$version -> $OUT${RUNTIME:+ (runtime $RUNTIME)}"
# --bytecode: no parsing at start-up (src/main.ts has no top-level await for
# it); --minify on top makes that bytecode smaller and start-up ~10% faster.
# --compile-jit-policy=1000: the few functions that run never reach the
# JIT, so its worker threads never start, and neither does mimalloc's
# scavenger; an idle pause is one thread that never wakes. No .env or
# bunfig.toml is read from the pod's working directory.
"$BUN" build --compile src/main.ts --outfile "$OUT" \
  --bytecode --minify --compile-jit-policy=1000 \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
  --define "PAUSE_VERSION=\"$version\"" \
  ${RUNTIME:+--compile-executable-path "$RUNTIME"} >/dev/null
ls -l "$OUT"
if [ -z "$RUNTIME" ]; then timeout 10 "$OUT" -v; fi # a foreign runtime may not run here
