#!/usr/bin/env bash
# require-commands.sh WHO COMMAND...: makes sure every COMMAND is on PATH
# before WHO starts. A missing one is installed from the Debian package that
# ships it (scripts/apt-install.sh); a command with no package in the table
# below, or still missing after the install, stops WHO with one line naming
# the command and the package. Prints nothing when all are there.
#
# Each script passes every command it runs, essential ones included, so that
# the list says what the script needs on a fresh Debian 12 and the table says
# where each command comes from. A new command in a script belongs in both;
# scripts/fresh-root-ci.sh proves the result in a root that has nothing else.
set -euo pipefail
who=$1
shift

# package COMMAND: the Debian 12 package that ships COMMAND
package() {
  case $1 in
    # essential, or in every Debian (Priority: required): there from the start
    bash) echo bash ;;
    sh) echo dash ;;
    awk) echo mawk ;;
    base64 | basename | cat | chmod | chown | comm | cp | cut | date | dirname | env | head | id | ln | ls | \
      mkdir | mktemp | mv | nproc | printf | readlink | rm | rmdir | sha256sum | sleep | sort | stat | tail | \
      tee | timeout | touch | tr | uname | wc | shuf | base64) echo coreutils ;;
    cmp | diff) echo diffutils ;;
    find | xargs) echo findutils ;;
    grep) echo grep ;;
    sed) echo sed ;;
    gzip) echo gzip ;;
    tar) echo tar ;;
    dpkg-query) echo dpkg ;;
    apt-get | apt-config) echo apt ;;
    mount | umount) echo mount ;;
    unshare | nsenter | setpriv | prlimit | flock | pivot_root | ipcmk | ipcrm | ipcs) echo util-linux ;;
    # installed by the project's scripts
    git) echo git ;;
    jq) echo jq ;;
    gcc) echo gcc ;;
    aarch64-linux-gnu-gcc) echo gcc-aarch64-linux-gnu ;;
    readelf | strip) echo binutils ;;
    qemu-aarch64-static | qemu-x86_64-static) echo qemu-user-static ;;
    zstd) echo zstd ;;
    runc) echo runc ;;
    containerd | ctr | containerd-shim-runc-v2) echo containerd ;;
    dockerd | docker) echo docker.io ;;
    skopeo) echo skopeo ;;
    busybox) echo busybox-static ;;
    ip | ss) echo iproute2 ;;
    docker-registry) echo docker-registry ;;
    curl) echo curl ;;
    openssl) echo openssl ;;
    htpasswd) echo apache2-utils ;;
    npm) echo npm ;;
    ps | pgrep | kill) echo procps ;; # kill: the executable, for commands run without a shell
    time) echo time ;;
    hyperfine) echo hyperfine ;;
    strace) echo strace ;;
    debootstrap) echo debootstrap ;;
    podman) echo podman ;;
    conmon) echo conmon ;;
    crun) echo crun ;;
    buildah) echo buildah ;;
    umoci) echo umoci ;;
    perf) echo linux-perf ;;
    file) echo file ;;
    xz) echo xz-utils ;;
    unzip) echo unzip ;;
    *) return 1 ;;
  esac
}

missing=() packages=()
for command in "$@"; do
  type -P "$command" >/dev/null && continue # an executable, not a builtin or keyword
  if ! p=$(package "$command"); then
    echo "$who: $command is not installed, and scripts/require-commands.sh names no Debian package for it" >&2
    exit 1
  fi
  missing+=("$command")
  [[ " ${packages[*]} " == *" $p "* ]] || packages+=("$p")
done
((${#missing[@]})) || exit 0

echo "$who: missing ${missing[*]}: installing ${packages[*]}"
bash "$(dirname "$0")/apt-install.sh" "$who" "${packages[@]}"
for command in "${missing[@]}"; do
  if ! type -P "$command" >/dev/null; then
    echo "$who: $command is still missing after installing Debian's $(package "$command")" >&2
    exit 1
  fi
done
