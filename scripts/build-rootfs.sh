#!/usr/bin/env bash
# Builds dist/rootfs/linux-<arch>/ from dist/linux-<arch>/pause: /pause plus
# exactly the loader and libraries it needs. A Bun executable is dynamically
# linked against glibc (no static Bun exists), so the image carries its
# PT_INTERP and, recursively, every DT_NEEDED library, taken from Debian's
# libc6 package of that architecture at the version this machine runs
# (libc6:amd64, libc6:arm64: the same glibc release on both, with Debian's
# security fixes), and placed where that loader looks without an
# ld.so.cache: the PT_INTERP path and /lib/<triplet>/. The embedded helper's
# own NEEDED libraries are checked to be among them (it is dlopen()ed from
# memory at run time). Plus /lib/<triplet>/libpause-preload.so and
# /etc/ld.so.preload naming it (c/pause-preload.c: the helper's handlers,
# installed before the runtime runs).
#
# So that scanners see what it carries, the distroless way:
#   /var/lib/dpkg/status.d/libc6     the package's stanza as dpkg records it
#   /usr/share/doc/libc6/copyright   glibc's licences travel with it
#   /etc/os-release, /etc/debian_version   from this machine's base-files
# Owner 0:0, fixed modes, every mtime SOURCE_DATE_EPOCH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image-metadata.sh
source scripts/debian-packages.sh

# needed ELF: the DT_NEEDED sonames of ELF, one a line
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
# interpreter ELF: the PT_INTERP path of ELF
interpreter() { readelf -l "$1" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p'; }

# install_file SRC DEST MODE: copy SRC's contents (symlinks followed) to DEST
install_file() {
  mkdir -p "$(dirname "$2")"
  cp -L "$1" "$2"
  chmod "$3" "$2"
}

# build_rootfs ARCH SYSROOT-LIBDIR TRIPLET
build_rootfs() {
  local arch=$1 libdir=$2 triplet=$3
  local binary=dist/linux-$arch/pause helper=build/linux-$arch/libpause-helper.so
  local preload=build/linux-$arch/libpause-preload.so
  local root=dist/rootfs/linux-$arch
  echo "== rootfs linux/$arch -> $root (libraries from $libdir)"
  rm -rf "$root"
  mkdir -p "$root"
  install_file "$binary" "$root/pause" 0755
  echo "  /pause"

  local interp
  interp=$(interpreter "$binary")
  install_file "$libdir/$(basename "$interp")" "$root$interp" 0755
  echo "  $interp (PT_INTERP of /pause)"

  # Breadth-first over DT_NEEDED; the loader is matched by its soname.
  local queue=("$root/pause") elf soname dest
  while ((${#queue[@]})); do
    elf=${queue[0]}
    queue=("${queue[@]:1}")
    for soname in $(needed "$elf"); do
      [[ $soname == "$(basename "$interp")" ]] && continue
      dest=$root/lib/$triplet/$soname
      [[ -e $dest ]] && continue
      install_file "$libdir/$soname" "$dest" 0644
      echo "  /lib/$triplet/$soname (NEEDED by /${elf#"$root"/})"
      queue+=("$dest")
    done
  done

  # The loader reads /etc/ld.so.preload before the executable runs and loads
  # what it names first: the helper's handlers are in place before the runtime.
  install_file "$preload" "$root/lib/$triplet/libpause-preload.so" 0644
  mkdir -p "$root/etc"
  echo "/lib/$triplet/libpause-preload.so" >"$root/etc/ld.so.preload"
  chmod 0644 "$root/etc/ld.so.preload"
  echo "  /lib/$triplet/libpause-preload.so, named by /etc/ld.so.preload"

  for elf in "$helper" "$preload"; do
    for soname in $(needed "$elf"); do
      if [[ ! -e $root/lib/$triplet/$soname && $soname != "$(basename "$interp")" ]]; then
        echo "rootfs: $(basename "$elf") needs $soname, which /pause does not" >&2
        exit 1
      fi
    done
  done
}

# describe_package ROOT DEB DIR: the status stanza and copyright file of the
# package DEB (unpacked in DIR) whose files ROOT carries
describe_package() {
  local root=$1 deb=$2 dir=$3 package
  package=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$root/var/lib/dpkg/status.d"
  deb_status_stanza "$deb" "$dir" >"$root/var/lib/dpkg/status.d/$package"
  chmod 0644 "$root/var/lib/dpkg/status.d/$package"
  echo "  /var/lib/dpkg/status.d/$package ($package $(dpkg-deb -f "$deb" Version) $(dpkg-deb -f "$deb" Architecture))"
  install_file "$dir/usr/share/doc/$package/copyright" "$root/usr/share/doc/$package/copyright" 0644
  echo "  /usr/share/doc/$package/copyright"
}

# normalise_tree ROOT: owner 0:0, directories 0755, every mtime SOURCE_DATE_EPOCH
normalise_tree() {
  chown -R 0:0 "$1"
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# rootfs ARCH TRIPLET: dist/rootfs/linux-ARCH from libc6:ARCH at $LIBC_VERSION
rootfs() {
  local arch=$1 triplet=$2 deb dir root=dist/rootfs/linux-$1
  deb=$(deb_fetch libc6 "$arch" "$LIBC_VERSION")
  dir=$(deb_unpack "$deb")
  build_rootfs "$arch" "$dir/lib/$triplet" "$triplet"
  describe_package "$root" "$deb" "$dir"
  debian_release_files "$root"
  echo "  /etc/os-release, /etc/debian_version (Debian $(cat "$root/etc/debian_version"))"
  normalise_tree "$root"
}

LIBC_VERSION=$(dpkg-query -W -f='${Version}' libc6:amd64)
rootfs amd64 x86_64-linux-gnu
rootfs arm64 aarch64-linux-gnu
# Both from one version by construction; checked on what was written, so
# that a stale cache or a mislabelled package cannot make them differ.
amd64_libc=$(sed -n 's/^Version: //p' dist/rootfs/linux-amd64/var/lib/dpkg/status.d/libc6)
arm64_libc=$(sed -n 's/^Version: //p' dist/rootfs/linux-arm64/var/lib/dpkg/status.d/libc6)
if [[ $amd64_libc != "$arm64_libc" ]]; then
  echo "rootfs: libc6 differs between architectures: amd64 $amd64_libc, arm64 $arm64_libc" >&2
  exit 1
fi
echo "rootfs: both architectures carry libc6 $amd64_libc"
