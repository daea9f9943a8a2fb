#!/usr/bin/env bash
# linux/amd64 of the built image (npm run image): made from Bun's baseline
# runtime, so it must run on x86-64 CPUs without AVX2 (checked on an emulated
# Nehalem: no AVX at all), and the image's root must be enough to load it.
# Run as root after the unit tests; see test/arch/lib.sh.
source "$(dirname "$0")/lib.sh"

out=$(qemu-x86_64-static -cpu Nehalem "$REPO_ROOT/dist/linux-amd64/pause" -v 2>&1) && rc=0 || rc=$?
if [[ $rc == 0 && $out == "pause.ts v"* ]]; then
  ok "amd64: dist/linux-amd64/pause -v on an emulated CPU without AVX/AVX2 (qemu -cpu Nehalem)"
else
  not_ok "amd64: dist/linux-amd64/pause -v on an emulated CPU without AVX/AVX2 (exit $rc)"
  diag "$out"
fi
test_platform amd64
finish
