#!/usr/bin/env bash
# Installs what `npm run bench` needs from Debian, once: gcc and a static
# libc for the C reference, /usr/bin/time, hyperfine, zstd, util-linux's
# unshare/nsenter. Idempotent: does nothing when everything is there.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in gcc libc6-dev time hyperfine zstd gzip tar util-linux; do
  have "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "deps: all present"
  exit 0
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
