#!/usr/bin/env bash
# Builds stand-ins for every image critest v1.26 pulls, from Debian's static
# busybox, and pushes them to a local registry under the repository paths of
# the real ones (registry.k8s.io/e2e-test-images/*, gcr.io/k8s-staging-cri-tools/*
# without the host: containerd's hosts.toml sends both hosts to it).
# Names: cri-tools pkg/validate/consts.go, pkg/framework/util.go,
# pkg/validate/{multi_container,security_context}_linux.go; Dockerfiles: images/.
# What each one must do is what the specs check, noted below.
# Not made: test-image-digest@sha256:9700f9..., pinned by the digest of
# upstream's build (critest.sh skips that spec).
# Usage: critest-images.sh OUT REGISTRY_HOST:PORT
E2E_TIER=critest-images
source "$(dirname "$0")/lib.sh"
trap - EXIT
out=${1:?usage: critest-images.sh OUT REGISTRY_HOST:PORT}
registry=${2:?usage: critest-images.sh OUT REGISTRY_HOST:PORT}
arch="$(host_arch)"
e2e=e2e-test-images
cri=k8s-staging-cri-tools
rm -rf "$out"
mkdir -p "$out"

# upstream's busybox links its applets with hard links (a spec masks /bin/ls
# and then runs sh) and has www-data (33), which the image-user Dockerfiles name
base="$out/base"
busybox_rootfs "$base" --hardlinks || die "busybox root filesystem from Debian's busybox-static"
printf 'www-data:x:33:33:www-data:/var/www:/bin/false\n' >>"$base/etc/passwd"
printf 'www-data:x:33:\n' >>"$base/etc/group"
mkdir -p "$base/var/run"
# applets Debian's busybox-static lacks and specs run: pgrep NAME (pids by
# process name) and ipcs -m (shared memory ids; the kernel's table has them)
cat >"$base/bin/pgrep" <<'EOF'
#!/bin/sh
found=1
for d in /proc/[0-9]*; do
  [ "$(cat "$d/comm" 2>/dev/null)" = "$1" ] && { echo "${d#/proc/}"; found=0; }
done
exit $found
EOF
printf '#!/bin/sh\ncat /proc/sysvipc/shm\n' >"$base/bin/ipcs"
chmod 755 "$base/bin/pgrep" "$base/bin/ipcs"
# static C stand-ins (test/e2e/stand-ins/)
static_c() { gcc -Os -static -Wall -Wextra -Werror "$@" || die "gcc -static $*"; }
PATH_ENV='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'

# image NAME CONFIG REF...: layout from $out/NAME (rootfs), pushed as each REF
image() {
  local name=$1 cfg=$2 ref
  shift 2
  oci_layout_from_rootfs "$out/$name" "$out/$name.oci" "$name" "{$PATH_ENV,$cfg}" "$arch" || return 1
  for ref in "$@"; do
    skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
      "oci:$out/$name.oci" "docker://$registry/$ref" || return 1
    echo "critest-images: $ref"
  done
}
# rootfs NAME: a copy of the base to change
rootfs() { cp -a "$base" "$out/$1"; }

# the default container image: commands run in it are busybox applets
rootfs busybox
image busybox '"Cmd":["sh"]' "$e2e/busybox:1.29-2"

# web servers: the specs GET / on port 80 (pod IP) or 12003 (host network),
# read /var/run/nginx.pid, look for "nginx: master process" and `pidof nginx`
for n in nginx:80 hostnet-nginx:12003; do
  rootfs "${n%:*}"
  mkdir -p "$out/${n%:*}/usr/sbin"
  static_c -DPORT="${n#*:}" -o "$out/${n%:*}/usr/sbin/nginx" "$E2E_DIR/stand-ins/nginx.c"
done
image nginx '"Cmd":["nginx","-g","daemon off;"]' "$e2e/nginx:1.14-2"
image hostnet-nginx '"Cmd":["nginx","-g","daemon off;"]' "$cri/hostnet-nginx-$arch:latest"
# httpd: the multi-container spec looks for Apache's start-up line in its log
rootfs httpd
mkdir -p "$out/httpd/usr/local/apache2/htdocs" "$out/httpd/usr/local/bin"
echo '<h1>critest stand-in</h1>' >"$out/httpd/usr/local/apache2/htdocs/index.html"
cat >"$out/httpd/usr/local/bin/httpd-foreground" <<'EOF'
#!/bin/sh
echo "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'"
exec httpd -f -p 80 -h /usr/local/apache2/htdocs
EOF
chmod 755 "$out/httpd/usr/local/bin/httpd-foreground"
image httpd '"Cmd":["httpd-foreground"]' "$e2e/httpd:2.4.39-4"

# nonewprivs: a set-user-ID root program printing its effective uid
rootfs nonewprivs
mkdir -p "$out/nonewprivs/usr/local/bin"
static_c -o "$out/nonewprivs/usr/local/bin/nonewprivs" "$E2E_DIR/stand-ins/nonewprivs.c"
chmod 4755 "$out/nonewprivs/usr/local/bin/nonewprivs"
image nonewprivs '"Cmd":["/usr/local/bin/nonewprivs"]' "$e2e/nonewprivs:1.3"

# images/image-user: USER given as uid, name, uid:gid, name:gid
declare -A users=([test-image-user-uid]=1002 [test-image-user-username]=www-data
  [test-image-user-uid-group]=1003:1004 [test-image-user-username-group]=www-data:1004)
for n in "${!users[@]}"; do
  rootfs "$n"
  image "$n" "\"User\":\"${users[$n]}\",\"Cmd\":[\"sh\"]" "$cri/$n:latest"
done
# images/image-predefined-group: default-user (1000) in group-defined-in-image (50000)
rootfs predefined-group
printf 'default-user:x:1000:1000::/home/default-user:/bin/sh\n' >>"$out/predefined-group/etc/passwd"
printf 'default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n' >>"$out/predefined-group/etc/group"
image predefined-group '"User":"1000","Cmd":["sh"]' "$cri/test-image-predefined-group:latest"

# images/image-test: busybox plus an empty file named after the image, so that
# different names are different images and the tags of one name the same one
for n in test-image-1 test-image-2 test-image-3 test-image-latest; do
  rootfs "$n"
  : >"$out/$n/$n"
  image "$n" '"Cmd":["sh"]' "$cri/$n:latest"
done
rootfs same-image
: >"$out/same-image/same-image"
image same-image '"Cmd":["sh"]' "$cri/test-image-tags:1" "$cri/test-image-tags:2" "$cri/test-image-tags:3"
for t in test all; do
  rootfs "tag-$t"
  : >"$out/tag-$t/$t"
  image "tag-$t" '"Cmd":["sh"]' "$cri/test-image-tag:$t"
done
echo "critest-images: pushed to $registry"
