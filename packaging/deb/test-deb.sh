#!/usr/bin/env bash
# Checks the packages `make deb` built, without installing anything on this machine (tools/systemd/e2e installs the
# qinferd .deb under a real systemd):
#   1. name, version (Daemon.version) and architecture (dpkg --print-architecture) of both packages;
#   2. lintian: no errors (warnings are printed and allowed);
#   3. contents: the files make install puts there, nothing of the other package, no ONNX twins or test sets;
#      /etc/qinferd/qinferd.toml a conffile, maintainer scripts present and valid sh;
#   4. Depends names the package of every library the binaries link (ldd), and no Swift runtime is linked;
#   5. the packaged binaries run from the unpacked tree (qinfer inspects the packaged irnet.qpack);
#   6. make install with DESTDIR under PREFIX=/usr (the default config unchanged) and PREFIX=/usr/local (unit and
#      config pointed at /usr/local).
# Usage: packaging/deb/test-deb.sh DEB_DIR STATIC_BUILD_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 DEB_DIR STATIC_BUILD_DIR" >&2
    exit 2
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deb_dir=$1
static_build_dir=$2
cd "$repo"

fail() {
    echo "test-deb: FAIL: $*" >&2
    exit 1
}
for tool in dpkg-deb lintian ldd objdump curl; do
    command -v "$tool" >/dev/null || fail "$tool not found (make test-deps installs lintian)"
done

version=$(sed -n 's/^[[:space:]]*public static let version = "\([^"]*\)"[[:space:]]*$/\1/p' Sources/QInferDaemon/Daemon.swift)
arch=$(dpkg --print-architecture)
qinferd_deb="$deb_dir/qinferd_${version}_${arch}.deb"
qinfer_deb="$deb_dir/qinfer_${version}_${arch}.deb"
for deb in "$qinferd_deb" "$qinfer_deb"; do
    [ -f "$deb" ] || fail "$deb not found (make deb builds it)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== control fields"
for pair in "qinferd:$qinferd_deb" "qinfer:$qinfer_deb"; do
    package=${pair%%:*} deb=${pair#*:}
    for field in Package:$package Version:$version Architecture:$arch; do
        actual=$(dpkg-deb -f "$deb" "${field%%:*}")
        [ "$actual" = "${field#*:}" ] || fail "$deb has ${field%%:*}: $actual, expected ${field#*:}"
    done
    echo "ok: $package $version $arch, Depends: $(dpkg-deb -f "$deb" Depends)"
done

echo
echo "== lintian"
# --fail-on error: warnings and info are reported but pass (today two no-manual-page warnings).
lintian --fail-on error --tag-display-limit 0 "$qinferd_deb" "$qinfer_deb" || fail "lintian reports errors (above)"
echo "ok: no lintian errors"

echo
echo "== contents"
contents() {  # deb → its paths, without the leading "."
    dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\.||'
}
contents "$qinferd_deb" >"$work/qinferd.list"
contents "$qinfer_deb" >"$work/qinfer.list"
expect_in() {  # list, path
    grep -qxF "$2" "$work/$1.list" || fail "$1's package lacks $2"
}
for path in /usr/bin/qinferd /lib/systemd/system/qinferd.service /lib/systemd/system/qinferd.socket \
    /lib/systemd/system/qinferd-metrics.socket /usr/lib/sysusers.d/qinferd.conf /usr/lib/tmpfiles.d/qinferd.conf \
    /etc/qinferd/qinferd.toml /usr/share/qinferd/systemd/camera.conf /usr/share/doc/qinferd/copyright \
    /usr/share/doc/qinferd/changelog.gz; do
    expect_in qinferd "$path"
done
for config in board-configs/*.toml; do
    expect_in qinferd "/usr/share/qinferd/$config"
done
for model in models/*/; do
    name=$(basename "$model")
    for file in "$model"*.qpack "$model"MODEL_CARD.md "$model"LICENSE; do
        expect_in qinferd "/usr/share/qinferd/models/$name/$(basename "$file")"
    done
done
for path in /usr/bin/qinfer /usr/share/qinferd/ort_runner.py /usr/share/doc/qinfer/copyright /usr/share/doc/qinfer/changelog.gz; do
    expect_in qinfer "$path"
done
grep -qxF /usr/bin/qinfer "$work/qinferd.list" && fail "the qinferd package carries /usr/bin/qinfer (it belongs to qinfer)"
grep -qxF /usr/bin/qinferd "$work/qinfer.list" && fail "the qinfer package carries /usr/bin/qinferd"
if grep -E '\.(onnx|npy)$' "$work/qinferd.list"; then fail "the qinferd package carries ONNX twins or test sets (above)"; fi
conffiles=$(dpkg-deb --ctrl-tarfile "$qinferd_deb" | tar -xOf - ./conffiles)
[ "$conffiles" = /etc/qinferd/qinferd.toml ] || fail "qinferd's conffiles is '$conffiles', expected /etc/qinferd/qinferd.toml"
mkdir "$work/control"
dpkg-deb -e "$qinferd_deb" "$work/control"
for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "qinferd has no executable $script"
    sh -n "$work/control/$script" || fail "qinferd's $script is not valid sh"
done
echo "ok: $(wc -l <"$work/qinferd.list") paths in qinferd, $(wc -l <"$work/qinfer.list") in qinfer; conffile and maintainer scripts"

echo
echo "== Depends against ldd"
# The binary's own NEEDED entries (objdump -p), each with the path ldd resolves it to. ldd alone also lists the
# libraries those libraries load (libcap via libsystemd, …), which are their packages' dependencies, not ours.
needed() {  # binary → "soname path" lines
    local resolved
    resolved=$(ldd "$1")
    objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }' | while read -r soname; do
        # "libx.so.1 => /path (…)", or for the dynamic loader (NEEDED in a --static-swift-stdlib binary)
        # "/lib64/ld-linux-x86-64.so.2 (…)".
        path=$(printf '%s\n' "$resolved" | awk -v so="$soname" '($1 == so && $2 == "=>") { print $3; exit }
            { n = split($1, part, "/") } (n > 1 && part[n] == so) { print $1; exit }')
        [ -n "$path" ] || fail "$1 needs $soname, which ldd does not resolve"
        echo "$soname $path"
    done
}
for pair in "qinferd:$qinferd_deb" "qinfer:$qinfer_deb"; do
    package=${pair%%:*} deb=${pair#*:}
    depends=$(dpkg-deb -f "$deb" Depends)
    # The package names alone: alternatives split, version constraints dropped.
    depends_names=$(printf '%s\n' "$depends" | tr ',|' '\n\n' | sed 's/(.*//; s/[[:space:]]//g')
    mkdir -p "$work/root-$package"
    dpkg-deb -x "$deb" "$work/root-$package"
    binary="$work/root-$package/usr/bin/$package"
    if ldd "$binary" | grep -E 'libswift|Foundation|libdispatch'; then
        fail "$package links the Swift runtime dynamically (above); a board without Swift could not run it"
    fi
    # Each resolved library → the package that ships it (dpkg -S; with merged /usr the database may know either path).
    while read -r lib path; do
        owner=""
        for candidate in "$path" "$(realpath "$path")" "${path#/usr}" "/usr$path"; do
            owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$owner" ] && break
        done
        [ -n "$owner" ] || fail "$package links $lib ($path), which no installed package ships"
        # Named itself, or through the metapackage over its flavours dpkg-shlibdeps names (libopenblas0 for
        # libopenblas0-pthread, whichever flavour the alternatives point at here).
        named=0
        for name in $depends_names; do
            if [ "$owner" = "$name" ] || [ "${owner#"$name"-}" != "$owner" ]; then named=1; fi
        done
        if [ "$named" = 0 ]; then
            fail "$package links $lib from $owner, which its Depends ($depends) does not name"
        fi
        echo "  $package: $lib → $owner"
    done < <(needed "$binary")
done
echo "ok: every linked library's package is in Depends"

echo
echo "== the packaged binaries run"
"$work/root-qinferd/usr/bin/qinferd" --help >/dev/null || fail "the packaged qinferd --help failed"
"$work/root-qinfer/usr/bin/qinfer" inspect "$work/root-qinferd/usr/share/qinferd/models/irnet/irnet.qpack" >"$work/inspect.txt" \
    || fail "the packaged qinfer cannot inspect the packaged irnet.qpack"
echo "ok: qinferd --help, qinfer inspect irnet.qpack: $(head -n 1 "$work/inspect.txt")"

echo
echo "== make install with DESTDIR"
make --no-print-directory install-qinferd install-qinfer DESTDIR="$work/usr-prefix" STATIC_BUILD_DIR="$static_build_dir" >/dev/null
cmp -s systemd/qinferd.toml "$work/usr-prefix/etc/qinferd/qinferd.toml" || fail "PREFIX=/usr installed a changed qinferd.toml"
cmp -s systemd/qinferd.service "$work/usr-prefix/usr/lib/systemd/system/qinferd.service" \
    || fail "PREFIX=/usr installed a changed qinferd.service"
make --no-print-directory install-qinferd install-qinfer DESTDIR="$work/local-prefix" PREFIX=/usr/local \
    STATIC_BUILD_DIR="$static_build_dir" >/dev/null
local_root="$work/local-prefix"
grep -qx 'ExecStart=/usr/local/bin/qinferd --config /etc/qinferd/qinferd.toml' "$local_root/usr/local/lib/systemd/system/qinferd.service" \
    || fail "PREFIX=/usr/local: qinferd.service does not start /usr/local/bin/qinferd"
grep -qx 'embedded_models = \["/usr/local/share/qinferd/models"\]' "$local_root/etc/qinferd/qinferd.toml" \
    || fail "PREFIX=/usr/local: qinferd.toml does not name /usr/local/share/qinferd/models"
grep -qx 'board_configs = "/usr/local/share/qinferd/board-configs"' "$local_root/etc/qinferd/qinferd.toml" \
    || fail "PREFIX=/usr/local: qinferd.toml does not name /usr/local/share/qinferd/board-configs"
[ -f "$local_root/usr/local/share/qinferd/models/irnet/irnet.qpack" ] || fail "PREFIX=/usr/local: no irnet.qpack"
# The rewritten keys must be ones qinferd reads (an unknown key or a wrong type stops it at start) and must take
# effect: started with that config, its paths moved under the DESTDIR (on a socket and store in the work dir, as an
# ordinary user would), the installed qinferd must serve both shipped models.
sed "s|\"/usr/local/|\"$local_root/usr/local/|" "$local_root/etc/qinferd/qinferd.toml" >"$work/qinferd-local.toml"
"$local_root/usr/local/bin/qinferd" --config "$work/qinferd-local.toml" --socket "$work/qinferd.sock" \
    --state-dir "$work/state" >"$work/qinferd.log" 2>&1 &
daemon=$!
for _ in $(seq 1 100); do
    [ -S "$work/qinferd.sock" ] && break
    kill -0 "$daemon" 2>/dev/null || { cat "$work/qinferd.log" >&2; fail "the /usr/local qinferd exited at start (log above)"; }
    sleep 0.1
done
models=$(curl -sf --unix-socket "$work/qinferd.sock" http://localhost/v1/models || true)
kill "$daemon" && wait "$daemon" || true
for name in irnet bipointnet; do
    printf '%s' "$models" | grep -q "\"$name\"" || { cat "$work/qinferd.log" >&2; fail "the /usr/local qinferd does not serve $name: $models"; }
done
echo "ok: PREFIX=/usr layout as packaged; PREFIX=/usr/local unit and config rewritten, and its qinferd serves irnet and bipointnet"

echo
echo "test-deb: all checks passed"
