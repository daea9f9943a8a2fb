#!/usr/bin/env bash
# Builds dist/rootfs/linux-<arch>/ from dist/linux-<arch>/pause: /pause plus
# exactly the loader and libraries it needs. A Bun executable is dynamically
# linked against glibc (no static Bun exists), so the image carries its
# PT_INTERP and, recursively, every DT_NEEDED library, taken from
#   amd64  this machine's libc6            (/lib/x86_64-linux-gnu)
#   arm64  Debian's libc6-arm64-cross      (/usr/aarch64-linux-gnu/lib)
# and placed where that loader looks without an ld.so.cache: the PT_INTERP
# path and /lib/<triplet>/. The embedded helper's own NEEDED libraries are
# checked to be among them (it is dlopen()ed from memory at run time).
# Owner 0:0, fixed modes, every mtime SOURCE_DATE_EPOCH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image-metadata.sh

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

  for soname in $(needed "$helper"); do
    if [[ ! -e $root/lib/$triplet/$soname && $soname != "$(basename "$interp")" ]]; then
      echo "rootfs: the helper needs $soname, which /pause does not" >&2
      exit 1
    fi
  done

  chown -R 0:0 "$root"
  find "$root" -type d -exec chmod 0755 {} +
  find "$root" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

build_rootfs amd64 /lib/x86_64-linux-gnu x86_64-linux-gnu
build_rootfs arm64 /usr/aarch64-linux-gnu/lib aarch64-linux-gnu
