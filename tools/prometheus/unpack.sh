#!/usr/bin/env bash
# Debian's prometheus and promtool for the tests, unpacked under .build/test-tools/prometheus rather than installed:
# installing the package would also enable and start a Prometheus server on every address (port 9090) wherever systemd
# runs, which a test run has no business leaving behind. The binaries need only libc.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.build/test-tools/prometheus
if [ -x "$dest/usr/bin/promtool" ] && [ -x "$dest/usr/bin/prometheus" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # apt's _apt download user must be able to write here
download() { (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null); }
if ! download; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: cannot download Debian's prometheus package (apt-get download prometheus); run as root once, or apt-get update" >&2
        exit 1
    fi
    apt-get update -qq
    download
fi
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
dpkg-deb -x "$tmp"/prometheus_*.deb "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "unpacked $("$dest/usr/bin/promtool" --version 2>&1 | head -1) under $dest"
