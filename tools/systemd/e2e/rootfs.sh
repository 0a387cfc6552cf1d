#!/usr/bin/env bash
# Prints the path of a cached Debian bookworm rootfs tarball (mmdebstrap, variant minbase) holding systemd, dbus and
# curl plus the packages named as arguments, building it first when the cache has none for this exact list.
#   tools/systemd/e2e/rootfs.sh [PACKAGE...]      e.g. the Depends of the .deb under test
# The cache key is a hash of everything that decides the tarball's content (suite, variant, package list, apt
# sources, this script's own text), so a changed Depends or mirror builds a new one and an unchanged one is reused
# across runs without network. The two newest tarballs are kept. QINFERD_E2E_SOURCES names another apt sources file
# (one-line or deb822 format) than the host's.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cache="$repo/.build/systemd-e2e"
suite=bookworm

# What the test itself needs inside, beyond the package under test: systemd as PID 1 (systemd-sysv gives /sbin/init
# and the shutdown tools apt's maintainer scripts expect), the system bus most units talk to, and curl as the client
# (--unix-socket). Nothing the .deb should bring itself (procps for ExecReload's /bin/kill, the libraries qinferd
# links): those come only from its Depends, so a missing dependency fails the install instead of being hidden here.
# The fleet test (tools/ansible/e2e) boots the same tarball as its boards, so one bootstrap serves both tests: an
# OpenSSH server to reach a board, and python3-apt for Ansible's modules (apt's among them) run on it.
base=(systemd systemd-sysv dbus curl openssh-server python3-apt)

sources=${QINFERD_E2E_SOURCES:-}
if [ -z "$sources" ]; then
    for candidate in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        if [ -s "$candidate" ]; then sources=$candidate; break; fi
    done
fi
if [ -z "$sources" ] || [ ! -s "$sources" ]; then
    echo "rootfs: no apt sources found (/etc/apt/sources.list.d/debian.sources, /etc/apt/sources.list); set QINFERD_E2E_SOURCES" >&2
    exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
    echo "rootfs: mmdebstrap not found; install Debian's mmdebstrap package (make test-deps does)" >&2
    exit 1
fi

packages=$(printf '%s\n' "${base[@]}" "$@" | sort -u | paste -sd, -)
key=$( {
    echo "suite=$suite variant=minbase arch=$(dpkg --print-architecture) include=$packages"
    cat "$sources"
    cat "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)
tarball="$cache/rootfs-$key.tar"
if [ -s "$tarball" ]; then
    echo "$tarball"
    exit 0
fi

mkdir -p "$cache"
partial="$tarball.partial.$$"
trap 'rm -f "$partial"' EXIT
echo "rootfs: bootstrapping $suite (minbase + $packages) into $tarball" >&2
# Documentation, man pages and translations are of no use to the test and are a third of the unpacked size.
# The mirror '-' reads the sources from stdin, so the rootfs sees the same archive (and snapshot, if any) as the host.
# stdout goes to stderr: this script's own stdout is the tarball's path and nothing else.
mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --format=tar "$suite" "$partial" - <"$sources" >&2
mv "$partial" "$tarball"
trap - EXIT
# Older tarballs were for other package lists; they would only fill the disk. Two are kept: test-systemd's (the
# qinferd package's Depends) and test-fleet's (both packages' Depends) differ, and neither should evict the other.
ls -t "$cache"/rootfs-*.tar | tail -n +3 | xargs -r rm -f --
echo "$tarball"
