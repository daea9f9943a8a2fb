#!/usr/bin/env bash
# linux/arm64 of the built image (npm run image), under emulation: Debian's
# qemu-user-static runs the aarch64 /pause inside the image's own root (no
# binfmt_misc needed). Proves it prints its version, and as PID 1 reaps
# orphans (test/fixtures/orphans.c, cross-compiled -static) and exits 0 on
# SIGTERM. Run as root after the unit tests; see test/arch/lib.sh.
source "$(dirname "$0")/lib.sh"
test_platform arm64 qemu-aarch64-static
finish
