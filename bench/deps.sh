#!/usr/bin/env bash
# Installs what `npm run bench` needs from Debian: gcc and a static libc for
# the C reference, /usr/bin/time, hyperfine, zstd, util-linux's
# unshare/nsenter. Idempotent (scripts/apt-install.sh).
set -euo pipefail
bash "$(dirname "$0")/../scripts/apt-install.sh" bench-deps gcc libc6-dev time hyperfine zstd gzip tar util-linux
bash "$(dirname "$0")/../scripts/require-commands.sh" bench-deps gcc time hyperfine zstd gzip tar unshare nsenter readelf git bash wc
