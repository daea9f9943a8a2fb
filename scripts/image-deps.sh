#!/usr/bin/env bash
# Installs the Debian packages the daemon-less image build (npm run image) and
# test/arch/arm64.sh need. Idempotent (scripts/apt-install.sh). Run as root.
set -euo pipefail

PKGS=(
  gcc                   # the host helper (scripts/build-binary.sh)
  libc6-dev             #   and its headers
  gcc-aarch64-linux-gnu # the arm64 helper and the arm64 test fixture
  libc6-dev-arm64-cross #   arm64 headers and static libc for the fixture
  libc6                 # its version is the glibc both rootfs carry (their
                        # libc6:amd64/arm64 .debs: scripts/debian-packages.sh)
  base-files            # /etc/os-release, /etc/debian_version of the rootfs
  apt dpkg              # apt-get download, dpkg-deb
  binutils              # readelf: an executable's loader and NEEDED libraries
  qemu-user-static      # runs the arm64 executable on this machine
  jq                    # writes the image's JSON documents
  tar gzip coreutils    # layers, digests
  zstd                  # the tar+zstd variant of the layers
  util-linux            # unshare, setpriv (test/arch/arm64.sh)
  git                   # the revision and SOURCE_DATE_EPOCH
)

bash "$(dirname "$0")/apt-install.sh" image-deps "${PKGS[@]}"
# every command the build (scripts/build-*.sh, check-reproducible.sh) and test/arch/ run
bash "$(dirname "$0")/require-commands.sh" image-deps gcc aarch64-linux-gnu-gcc readelf qemu-aarch64-static \
  qemu-x86_64-static jq tar gzip zstd sha256sum stat git unshare nsenter mount base64 cmp timeout find sort \
  touch date sed awk grep cut chown chmod cp mkdir mv rm env head wc sleep ls
