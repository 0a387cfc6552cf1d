#!/usr/bin/env bash
# Builds qinferd_<version>_<arch>.deb (daemon, units, sysusers/tmpfiles, default config, board configs, shipped
# models) and qinfer_<version>_<arch>.deb (the CLI alone, for a workstation) from binaries already built with
# `swift build -c release --static-swift-stdlib` (`make deb` builds them first). dpkg-deb only: no debian/ source
# tree, no network. The layout comes from `make install-qinferd` / `make install-qinfer` with DESTDIR, so the
# package and `make install` can never disagree about where a file goes.
#
# Usage: packaging/deb/build-deb.sh BIN_DIR OUT_DIR
#   BIN_DIR  folder holding the statically linked qinferd and qinfer (make deb: .build-deb/release)
#   OUT_DIR  where the two .deb files go (make deb: .build/deb)
# Version: Daemon.version in Sources/QInferDaemon/Daemon.swift (the one the daemon reports in /v1/health).
# Architecture: dpkg --print-architecture (amd64 here, arm64 on a Raspberry Pi OS 64-bit or Jetson board).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BIN_DIR OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=$(cd "$1" && pwd)
mkdir -p "$2"
out_dir=$(cd "$2" && pwd)

for tool in dpkg-deb dpkg-shlibdeps strip gzip make git; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-deb: $tool not found (dpkg-dev and binutils: make deps installs them)" >&2
        exit 1
    fi
done
for binary in qinferd qinfer; do
    if [ ! -x "$bin_dir/$binary" ]; then
        echo "build-deb: $bin_dir/$binary not found; build it with swift build -c release --static-swift-stdlib" >&2
        exit 1
    fi
    # The point of the static build: a board needs no Swift toolchain. A dynamically linked Swift runtime here
    # would install fine and then fail at the first start with "libswiftCore.so: cannot open shared object file".
    if ldd "$bin_dir/$binary" | grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch'; then
        echo "build-deb: $bin_dir/$binary links the Swift runtime dynamically; build with --static-swift-stdlib:" >&2
        ldd "$bin_dir/$binary" | grep -E 'libswift|Foundation|libdispatch' >&2
        exit 1
    fi
done

version=$(bash "$repo/packaging/version.sh")
arch=$(dpkg --print-architecture)
maintainer="qinferd maintainers <maintainers@users.noreply.r-seed-cefe130b.example>"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The changelog is generated, not kept in the tree, so the version lives only in Daemon.swift. Its date is the
# commit's, which keeps two builds of one commit byte-identical (and SOURCE_DATE_EPOCH for dpkg-deb's mtimes).
commit=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=""
if [ "$commit" != unknown ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    dirty=" with uncommitted changes"
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")

# Depends from the binaries themselves: dpkg-shlibdeps maps each NEEDED library to its package and the minimum
# version of the symbols used (libsystemd0, libgpiod2, libpng16-16, libc6, …). It wants a debian/control to read.
shlibdeps() {  # binary… → the Depends list
    local dir="$work/shlibdeps"
    mkdir -p "$dir/debian"
    printf 'Source: qinferd\n\nPackage: qinferd\nArchitecture: any\n' >"$dir/debian/control"
    (cd "$dir" && dpkg-shlibdeps -O "$@") | sed -n 's/^shlibs:Depends=//p'
}

build_package() {  # package name, make target, extra Depends
    local package=$1 target=$2 extra=$3
    local root="$work/$package"
    make --no-print-directory -C "$repo" "$target" DESTDIR="$root" PREFIX=/usr STATIC_BUILD_DIR="$bin_dir" \
        UNITDIR=/lib/systemd/system >/dev/null

    # What dh_strip does: debug symbols out (a Swift binary is ~3× larger with them; on a Pi's SD card that
    # matters), dynamic symbols kept. A crash backtrace then shows addresses, not function names.
    local binary
    for binary in "$root"/usr/bin/*; do
        strip --remove-section=.comment --remove-section=.note --strip-unneeded "$binary"
    done

    install -d -m 0755 "$root/usr/share/doc/$package"
    install -m 0644 "$here/copyright" "$root/usr/share/doc/$package/copyright"
    # Native package (no Debian revision: upstream builds it), hence changelog.gz rather than changelog.Debian.gz.
    printf '%s (%s) unstable; urgency=medium\n\n  * Built from qinferd commit %s%s by make deb.\n\n -- %s  %s\n' \
        "$package" "$version" "$commit" "$dirty" "$maintainer" "$changelog_date" | gzip -9n >"$root/usr/share/doc/$package/changelog.gz"
    chmod 0644 "$root/usr/share/doc/$package/changelog.gz"

    install -d -m 0755 "$root/DEBIAN"
    local depends
    depends=$(shlibdeps "$root"/usr/bin/*)
    if [ -z "$depends" ]; then
        echo "build-deb: dpkg-shlibdeps found no library dependencies for $package" >&2
        exit 1
    fi
    [ -n "$extra" ] && depends="$depends, $extra"
    # Installed-Size as dpkg-gencontrol computes it: KiB, summed over the files.
    local size
    size=$(du -k -s --apparent-size --exclude=DEBIAN "$root" | cut -f1)
    # '#' as the delimiter: Depends carries '|' alternatives.
    sed -e "s#@VERSION@#$version#" -e "s#@ARCH@#$arch#" -e "s#@MAINTAINER@#$maintainer#" \
        -e "s#@INSTALLED_SIZE@#$size#" -e "s#@DEPENDS@#$depends#" "$here/$package.control.in" >"$root/DEBIAN/control"
    local script
    for script in preinst postinst prerm postrm; do
        if [ -f "$here/$package.$script" ]; then
            install -m 0755 "$here/$package.$script" "$root/DEBIAN/$script"
        fi
    done
    # Every file under /etc is a conffile (Debian policy 10.7.2): dpkg keeps an admin's edits across upgrades.
    if [ -d "$root/etc" ]; then
        (cd "$root" && find etc -type f -printf '/%p\n' | sort) >"$root/DEBIAN/conffiles"
        chmod 0644 "$root/DEBIAN/conffiles"
    fi
    (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/md5sums"

    local deb="$out_dir/${package}_${version}_${arch}.deb"
    rm -f "$out_dir/${package}"_*_"${arch}".deb
    # --root-owner-group: every file root:root whoever builds (no fakeroot needed). make install staged 0644/0755.
    dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
    echo "$deb"
}

# qinferd's units need systemd-sysusers (postinst), as dh_installsysusers would add; ExecReload= runs /bin/kill,
# which is procps's and not essential.
build_package qinferd install-qinferd "systemd | systemd-standalone-sysusers | systemd-sysusers, procps"
build_package qinfer install-qinfer ""
