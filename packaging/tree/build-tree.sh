#!/usr/bin/env bash
# Builds qinferd-<version>-linux-<machine>.tar.gz: make install's tree with PREFIX=/usr (both binaries, the units,
# sysusers and tmpfiles files, board configs, shipped models, the default config under etc/), every entry owned by
# root. For boards without dpkg: unpacked at / it is the .debs' layout, and tools/ansible's role installs it that way
# (qinferd_install: tree), skipping etc/ so an existing config stays. Prints the tarball's path.
#   packaging/tree/build-tree.sh STATIC_BUILD_DIR OUT_DIR        (make tree)
set -euo pipefail
build=${1:?usage: build-tree.sh STATIC_BUILD_DIR OUT_DIR}
out=${2:?usage: build-tree.sh STATIC_BUILD_DIR OUT_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$build" in /*) ;; *) build="$repo/$build" ;; esac
version=$(bash "$repo/packaging/version.sh")
machine=$(uname -m)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make -C "$repo" --no-print-directory install-qinferd install-qinfer DESTDIR="$stage" PREFIX=/usr STATIC_BUILD_DIR="$build" >&2
mkdir -p "$out"
tarball="$out/qinferd-$version-linux-$machine.tar.gz"
# Sorted names, root ownership and no "./" prefix: the same tree gives the same listing, and `exclude: etc` in the
# role matches the config directory by its plain name.
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -czf "$tarball.partial" etc usr
mv "$tarball.partial" "$tarball"
echo "$tarball"
