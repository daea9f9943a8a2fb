# shellcheck shell=bash
# Helpers for the Debian roots the project runs things in (sourced by
# scripts/fresh-root-ci.sh and scripts/debian13-root.sh):
#   host_sources            this machine's apt mirrors as "URI SUITE" lines
#   root_mirror SUITE       the mirror this machine uses for SUITE's family
#   debootstrap_root SUITE DIR [SUITES...]  a minbase root with Debian's
#                           sources for SUITES (default: SUITE SUITE-updates)
#   host_network ROOT       name resolution, apt proxy/date settings, CA
#                           certificates and npm config of this machine, so
#                           that apt and npm reach their registries from ROOT;
#                           sets root_env (proxy and CA variables)
#   root_command ROOT CMD.. sets root_cmd: CMD with ROOT as / (pivot_root) of
#                           new mount and PID namespaces, environment cleared,
#                           stdin /dev/null; ROOT_BINDS ("SRC:DEST[:ro]" words)
#                           are bind-mounted first
#   in_root ROOT CMD...     runs it

host_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] && sed -nE 's#^deb +(\[[^]]*\] +)?([a-z]+://[^ ]+) +([^ ]+) .*#\2 \3#p' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk '/^URIs:/ {u = $2} /^Suites:/ {for (i = 2; i <= NF; i++) print u, $i} /^$/ {u = ""}' "$f"
  done
  return 0
}

# root_mirror: the Debian mirror of this machine (the one bookworm comes from;
# the same archive serves trixie), or $ROOT_MIRROR
root_mirror() {
  local m
  m=${ROOT_MIRROR:-$(host_sources | awk '$2 ~ /^(bookworm|trixie)$/ {print $1; exit}')}
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# apt settings of this machine the root needs to reach the same mirrors:
# proxies, and the date checks (a mirror snapshot's Release files expire).
apt_settings() {
  apt-config dump | grep -E '^Acquire::(https?::Proxy|ftp::Proxy|Check-Valid-Until|Check-Date)' || true
}

# debootstrap_root SUITE DIR [SUITES...]: debootstrap --variant=minbase, then
# deb822 sources for SUITES from this machine's mirror (and -security from its
# security mirror).
debootstrap_root() {
  local suite=$1 dir=$2 mirror security s suites=()
  shift 2
  suites=("$@")
  ((${#suites[@]})) || suites=("$suite" "$suite-updates")
  mirror=$(root_mirror)
  security=$(host_sources | awk '$2 ~ /-security$/ {print $1; exit}')
  security=${security:-${mirror%/debian}/debian-security}
  debootstrap --variant=minbase "$suite" "$dir" "$mirror" >&2
  rm -f "$dir/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' \
      "$mirror" "${suites[*]}"
    printf 'Types: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$security" "$suite"
  } >"$dir/etc/apt/sources.list.d/debian.sources"
  # maintainer scripts start no daemon in a root: its tests start their own
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod +x "$dir/usr/sbin/policy-rc.d"
}

root_env=()
host_network() {
  local root=$1 name
  root_env=()
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp /etc/hosts "$root/etc/hosts"
  apt_settings >"$root/etc/apt/apt.conf.d/90host-network"
  if [[ -d /usr/local/share/ca-certificates ]]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    [[ ! -x $root/usr/sbin/update-ca-certificates ]] || in_root "$root" update-ca-certificates >/dev/null 2>&1
  fi
  [[ -f /etc/npmrc ]] && cp /etc/npmrc "$root/etc/npmrc"
  for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY NODE_EXTRA_CA_CERTS \
    SSL_CERT_FILE SSL_CERT_DIR npm_config_registry NPM_CONFIG_REGISTRY; do
    [[ -n ${!name:-} ]] && root_env+=("$name=${!name}")
  done
  return 0
}

# The root gets a fresh /proc, /run and /dev/shm, this machine's /sys (cgroups
# included) and /dev, and this machine's network. PID 1 of the namespace is
# the command: when it ends, or unshare is stopped (--kill-child), the kernel
# kills whatever it left (daemons, shims), and the mounts go with the
# namespace. The array root_cmd holds it, so a background job's $! is
# unshare's.
in_root() {
  root_command "$@"
  "${root_cmd[@]}"
}
root_command() {
  local root=$1
  shift
  root_cmd=(unshare --mount --propagation private --pid --fork --kill-child -- bash -euo pipefail -c '
    root=$1 binds=$2
    shift 2
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
    mount -t tmpfs -o mode=755,nosuid,nodev run "$root/run"
    for b in $binds; do
      IFS=: read -r src dest mode <<<"$b"
      mkdir -p "$root$dest"
      mount --bind "$src" "$root$dest"
      [[ $mode != ro ]] || mount -o remount,bind,ro "$root$dest"
    done
    cd "$root"
    mkdir -p .host
    pivot_root . .host
    cd /
    umount -l /.host
    rmdir /.host
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TERM=dumb "$@" </dev/null'
    bash "$root" "${ROOT_BINDS:-}" "${root_env[@]}" "$@")
}
