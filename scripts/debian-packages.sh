# shellcheck shell=bash
# Sourced by scripts/build-rootfs.sh: Debian's own packages for the image, and
# the metadata that lets scanners see them (the distroless way).
#   deb_fetch PKG ARCH VERSION  build/debs/PKG_VERSION_ARCH.deb, downloaded
#                               once by apt-get download (the cache is keyed
#                               by version); adds ARCH to dpkg and updates
#                               apt's lists when apt does not know it yet
#   deb_unpack DEB              unpacks DEB once; prints the directory
#   deb_status_stanza DEB DIR   DEB's stanza as dpkg writes it into
#                               /var/lib/dpkg/status after installing it (DIR:
#                               DEB unpacked, for the conffiles' md5sums)
#   debian_release_files DEST   this machine's /etc/os-release and
#                               /etc/debian_version, checked to be as its
#                               base-files installed them, into DEST/etc
# Both architectures are unpacked from .debs of one version (the builder's
# libc6) so that they carry the same Debian release of glibc and their files
# and stanzas are made the same way.

DEB_CACHE=build/debs

deb_fetch() {
  local pkg=$1 arch=$2 version=$3
  local deb=$DEB_CACHE/${pkg}_${version}_$arch.deb tmp
  if [[ -s $deb ]]; then
    echo "$deb"
    return
  fi
  mkdir -p "$DEB_CACHE"
  tmp=$(mktemp -d "$DEB_CACHE/.download.XXXXXX")
  chmod 755 "$tmp" # readable by apt's _apt user
  if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:$arch=$version" >&2); then
    echo "debian: apt does not know $pkg:$arch=$version yet: dpkg --add-architecture $arch, apt-get update" >&2
    dpkg --add-architecture "$arch"
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:$arch=$version" >&2); then
      rm -rf "$tmp"
      echo "debian: $pkg:$arch=$version cannot be downloaded (apt-cache policy $pkg:$arch);" \
        "if Debian has a newer $pkg, upgrade this machine's (apt-get install $pkg) and build again" >&2
      return 1
    fi
  fi
  mv "$tmp"/*.deb "$deb"
  rm -rf "$tmp"
  if [[ $(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ') != "Package: $pkg Version: $version Architecture: $arch " ]]; then
    echo "debian: $deb is not $pkg $version $arch" >&2
    rm -f "$deb"
    return 1
  fi
  echo "$deb"
}

deb_unpack() {
  local deb=$1 dir=${1%.deb}
  if [[ ! -f $dir/.unpacked ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    touch "$dir/.unpacked"
  fi
  echo "$dir"
}

# dpkg writes an installed package's record with its known fields in this
# order (lib/dpkg/parse.c), then the others (Homepage...) as the control file
# has them; Status and Conffiles come from the installation.
DPKG_FIELD_ORDER="Package Essential Protected Status Priority Section Installed-Size Origin Maintainer
Bugs Architecture Multi-Arch Source Version Config-Version Replaces Provides Depends Pre-Depends
Recommends Suggests Breaks Conflicts Enhances Conffiles Filename Size MD5sum MSDOS-Filename
Description Triggers-Pending Triggers-Awaited"

deb_status_stanza() {
  local deb=$1 dir=$2 conffiles="" f
  while read -r f; do
    [[ -n $f ]] || continue
    conffiles+=" $f $(md5sum <"$dir$f" | cut -d' ' -f1)"$'\n'
  done < <(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles 2>/dev/null || true)
  dpkg-deb -f "$deb" | CONFFILES="$conffiles" ORDER="$DPKG_FIELD_ORDER" awk '
    BEGIN {
      n = split(ENVIRON["ORDER"], order, /[ \n]+/)
      for (i = 1; i <= n; i++) rank[order[i]] = i
    }
    /^[^ \t]/ { name = substr($0, 1, index($0, ":") - 1); names[++count] = name; text[name] = $0; next }
    { text[name] = text[name] "\n" $0 }
    END {
      text["Status"] = "Status: install ok installed"
      if (ENVIRON["CONFFILES"] != "") text["Conffiles"] = "Conffiles:\n" substr(ENVIRON["CONFFILES"], 1, length(ENVIRON["CONFFILES"]) - 1)
      for (i = 1; i <= n; i++) if (order[i] in text) print text[order[i]]
      for (i = 1; i <= count; i++) if (!(names[i] in rank)) print text[names[i]]
    }'
}

# Scanners name the distribution after these two files (trivy: "debian
# 12.11"). The builder's base-files may no longer be downloadable (Debian
# keeps only a release's latest), so they are copied from the machine, and
# refused if they differ from what dpkg recorded for base-files.
debian_release_files() {
  local dest=$1 recorded
  recorded=$(sed -n 's#^\([0-9a-f]*\)  usr/lib/os-release$#\1#p' /var/lib/dpkg/info/base-files.md5sums)
  if [[ $(md5sum </usr/lib/os-release | cut -d' ' -f1) != "$recorded" ]]; then
    echo "debian: /usr/lib/os-release is not base-files' own" >&2
    return 1
  fi
  recorded=$(dpkg-query -W -f='${Conffiles}' base-files | awk '$1 == "/etc/debian_version" { print $2 }')
  if [[ $(md5sum </etc/debian_version | cut -d' ' -f1) != "$recorded" ]]; then
    echo "debian: /etc/debian_version is not base-files' own" >&2
    return 1
  fi
  mkdir -p "$dest/etc"
  cp /usr/lib/os-release "$dest/etc/os-release"
  cp /etc/debian_version "$dest/etc/debian_version"
  chmod 0644 "$dest/etc/os-release" "$dest/etc/debian_version"
}
