#!/usr/bin/env bash
# apt-install.sh WHO PACKAGE...: installs those of Debian's packages that are
# missing, printing each step prefixed with WHO. Idempotent: nothing happens,
# not even apt-get update, when all are there. Needs root only to install.
# Maintainer scripts may not start daemons (policy-rc.d): the tests start
# their own dockerd and containerd and stop them by PID.
set -euo pipefail
who=$1
shift

missing=()
for p in "$@"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    echo "$who: $p already installed"
  else
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "$who: nothing to install"
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "$who: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "$who: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
prc=/usr/sbin/policy-rc.d
if [[ ! -e $prc ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$prc"
  chmod +x "$prc"
  trap 'rm -f "$prc"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
