#!/usr/bin/env bash
# Builds the image's executables, one per architecture, with
# scripts/build-binary.sh:
#   dist/linux-amd64/pause  Bun's *baseline* x64 runtime: runs on x86-64 CPUs
#                           without AVX2
#   dist/linux-arm64/pause  Bun's aarch64 runtime, helper by aarch64-linux-gnu-gcc
# The helper each one embeds is kept as build/linux-<arch>/libpause-helper.so
# (scripts/build-rootfs.sh checks that its libraries are in the rootfs), and
# beside it the image's preload library, build/linux-<arch>/libpause-preload.so.
#
# The runtimes come from npm, pinned with integrity hashes by
# scripts/runtimes/package-lock.json and installed by `npm ci --force` into
# build/runtimes/. Not in the project's own package.json: npm never installs
# an optional package for another CPU, and a dependency for another CPU fails
# `npm ci` unless --force is on for the whole install; this keeps the
# project's `npm ci` plain and its node_modules free of ~200 MB of runtimes
# only the image needs. Cross-compiling by --target would download at build
# time instead.
#
# Expects an x86-64 Debian builder (scripts/image-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

runtimes=build/runtimes
bun_version=$(node -p 'require("./package.json").dependencies.bun')

check_runtime_versions() {
  local pinned
  pinned=$(node -p 'Object.values(require("./scripts/runtimes/package.json").dependencies).join(" ")')
  for v in $pinned; do
    if [[ $v != "$bun_version" ]]; then
      echo "runtimes: scripts/runtimes/package.json pins $v, package.json's bun is $bun_version;" \
        "update it, then: (cd scripts/runtimes && npm install --package-lock-only --force)" >&2
      exit 1
    fi
  done
}

# --force: the packages are for other CPUs (arm64) or this one; scripts are
# not needed (the packages are only an executable).
install_runtimes() {
  bash scripts/npm-folder.sh runtimes scripts/runtimes "$runtimes" --force
}

# build ARCH CC RUNTIME-PACKAGE
build() {
  local arch=$1 cc=$2 package=$3
  echo "== linux/$arch: runtime $package@$bun_version, helper by $cc"
  CC=$cc OUT=dist/linux-$arch/pause RUNTIME="$runtimes/node_modules/$package/bin/bun" \
    bash scripts/build-binary.sh
  mkdir -p "build/linux-$arch"
  cp build/libpause-helper.so build/libpause-preload.so "build/linux-$arch/"
}

check_runtime_versions
install_runtimes
# The libraries' paths are fixed (build/libpause-*.so), so the architectures
# are built one after another; amd64 last leaves this machine's helper there
# for `bun run src/main.ts`.
build arm64 aarch64-linux-gnu-gcc @oven/bun-linux-aarch64
build amd64 gcc @oven/bun-linux-x64-baseline
