#!/usr/bin/env bash
# Prints qinferd's version: Daemon.version in Sources/QInferDaemon/Daemon.swift, the one the daemon reports in
# /v1/health. The .debs (packaging/deb) and the install tree (packaging/tree) are named after it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^[[:space:]]*public static let version = "\([^"]*\)"[[:space:]]*$/\1/p' \
    "$repo/Sources/QInferDaemon/Daemon.swift")
if ! printf '%s' "$version" | grep -Eq '^[0-9][0-9A-Za-z.+~]*$'; then
    echo "version: no usable Daemon.version in Sources/QInferDaemon/Daemon.swift (found '${version}')" >&2
    exit 1
fi
echo "$version"
