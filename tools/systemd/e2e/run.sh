#!/usr/bin/env bash
# qinferd under a real systemd: boots Debian bookworm's systemd 252 as PID 1 of its own namespaces in a fresh rootfs,
# installs the qinferd .deb there with apt, and checks what the units promise (socket activation, READY/STATUS,
# reload, journal fields, watchdog, drain on stop, the sandbox, admin rights, a camera source under the camera
# drop-in, the metrics socket, remove/reinstall/purge).
#   tools/systemd/e2e/run.sh           (root; make test-systemd runs it; README.md beside this file explains)
# Environment:
#   QINFERD_E2E_DEB=path.deb   test this package instead of building one with `make deb`
#   QINFERD_E2E_DEB_DIR=dir    take the newest qinferd_*_<arch>.deb there, already built (make test-systemd passes
#                              its DEB_DIR after building the `deb` prerequisite)
#   QINFERD_MAX_EXPOSURE=2.0   the `systemd-analyze security` limit
#   QINFERD_E2E_KEEP=1         keep the run's directory (rootfs, logs) under .build/systemd-e2e for a look afterwards
#   QINFERD_E2E_TIMEOUT=60     seconds any one command inside the rootfs may take (apt gets 180–300)
# Exits non-zero when any check fails or when clean-up left something behind.
set -euo pipefail
exec </dev/null # nothing here reads a terminal, and no command inside may wait on one

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=checks.sh
source "$here/checks.sh"
# shellcheck source=checks_optional_units.sh
source "$here/checks_optional_units.sh"
max_exposure=${QINFERD_MAX_EXPOSURE:-2.0}
run_start=$(now)

if [ "$(id -u)" != 0 ]; then
    echo "test-systemd: needs root (new namespaces, mounts, a cgroup, apt inside the rootfs)" >&2
    exit 1
fi
for tool in mmdebstrap unshare nsenter setpriv pgrep findmnt timeout dpkg-deb python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "test-systemd: $tool not found (make test-deps installs mmdebstrap, util-linux, procps)" >&2
        exit 1
    fi
done
# The rootfs's systemd gets a cgroup2 subtree of its own (boot.sh says why); where the host mounts cgroup2 differs
# (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one like this project's machines).
cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
if [ -z "$cgroup_root" ]; then
    echo "test-systemd: no cgroup2 hierarchy is mounted on this machine; systemd 252 needs one" >&2
    exit 1
fi

work="$repo/.build/systemd-e2e"
mkdir -p "$work"
start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; } # field 22: start time, in ticks
cgroup_of() { echo "$cgroup_root/qinferd-e2e-${1##*/run.}"; }
# A run killed by SIGKILL cannot clean up: its namespace dies with it (boot.sh's parent-death signals), but its
# directory and its empty cgroup stay. Those of runs whose run.sh is gone (PID and start time no longer match) are
# removed here, after the same checks as teardown's: no process in the cgroup, nothing mounted underneath.
for old in "$work"/run.*; do
    [ -d "$old" ] || continue
    owner="" started=""
    if [ -f "$old/owner" ]; then
        read -r owner started <"$old/owner" || true
        if [ "$(start_time "$owner")" = "$started" ]; then continue; fi
    elif [ -z "$(find "$old" -maxdepth 0 -mmin +10)" ]; then
        continue # another run.sh between mktemp and writing its owner file
    fi
    old_cgroup=$(cgroup_of "$old")
    if [ -d "$old_cgroup" ]; then
        if find "$old_cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; then continue; fi
        find "$old_cgroup" -depth -type d -exec rmdir {} + || continue
    fi
    if findmnt -rn -o TARGET | grep -qF "$old"; then continue; fi
    echo "removing $old, left by a run that was killed"
    rm -rf --one-file-system "$old"
done
run=$(mktemp -d "$work/run.XXXXXX")
echo "$$ $(start_time $$)" >"$run/owner"
rootfs="$run/rootfs"
cgroup=$(cgroup_of "$run")
launcher="" # unshare's PID (boot.sh)
pid1=""     # systemd's PID, as the host sees it
torn_down=0

# Kills the namespace, then checks that nothing is left: no process in its cgroup, no mount under the run's directory
# (all of them lived in the namespace's own mount table and went with it). Only then is the directory deleted, so a
# mount that did survive can never have rm -rf walk into the host's /dev or /sys.
teardown() {
    [ "$torn_down" = 0 ] || return 0
    torn_down=1
    local problems=0
    if [ -n "$pid1" ] && ! process_gone "$pid1"; then kill -9 "$pid1"; fi
    if [ -n "$launcher" ]; then
        if ! wait_until 20 process_gone "$launcher"; then
            echo "cleanup: unshare ($launcher) still running 20 s after systemd was killed; killing it"
            kill -9 "$launcher" 2>/dev/null || true
            wait_until 5 process_gone "$launcher" || { echo "cleanup: unshare ($launcher) survives SIGKILL"; problems=1; }
        fi
        wait "$launcher" 2>/dev/null || true
    fi
    if [ -d "$cgroup" ]; then
        cgroup_empty() { ! find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; }
        if wait_until 20 cgroup_empty; then
            find "$cgroup" -depth -type d -exec rmdir {} + || problems=1
        else
            echo "cleanup: processes still in $cgroup:"
            find "$cgroup" -name cgroup.procs -exec cat {} + | xargs -r ps -o pid,user,args -p
            problems=1
        fi
    fi
    remove_run_dir "$run" || problems=1
    return "$problems"
}
trap 'finish_run test-systemd' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "package"
arch=$(dpkg --print-architecture)
if [ -n "${QINFERD_E2E_DEB:-}" ]; then
    deb=$(realpath "$QINFERD_E2E_DEB")
else
    deb_dir=${QINFERD_E2E_DEB_DIR:-}
    if [ -z "$deb_dir" ]; then
        # Run by hand: the package must be the one built from this tree, so always through make (which rebuilds only
        # what changed). `make test-systemd` builds it as a prerequisite instead and passes DEB_DIR.
        make --no-print-directory -C "$repo" deb
        deb_dir=.build/deb # the Makefile's default DEB_DIR
    fi
    case "$deb_dir" in /*) ;; *) deb_dir="$repo/$deb_dir" ;; esac
    deb=$(ls -t "$deb_dir"/qinferd_*_"$arch".deb 2>/dev/null | head -n 1 || true)
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    echo "test-systemd: no qinferd_*_$arch.deb (QINFERD_E2E_DEB=${QINFERD_E2E_DEB:-}, directory ${deb_dir:-})" >&2
    exit 1
fi
deb_name=${deb##*/}
# The rootfs is bootstrapped with the package's dependencies, so installing it needs no network: apt resolves them
# from what is installed. Alternatives (a | b) take the first, as apt would; versions and :any qualifiers go.
depends=$(for field in Pre-Depends Depends; do dpkg-deb -f "$deb" "$field"; done | tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*)//' -e 's/:.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ' ')
note "$deb_name ($(du -h "$deb" | cut -f1)), Depends: $depends"

phase "rootfs"
# Beside the Depends, the GStreamer plugins the camera check's pipeline uses (the package Recommends them).
# shellcheck disable=SC2086 # one argument per package
tarball=$("$here/rootfs.sh" $depends gstreamer1.0-plugins-base)
mkdir "$rootfs"
tar -xf "$tarball" -C "$rootfs"
echo qinferd-e2e >"$rootfs/etc/hostname"
# No console is attached (a getty on it would only fail), and the apt timers must not take apt's lock mid-test.
for unit in console-getty.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
install -d -m 0755 "$rootfs$srv"
install -m 0644 "$deb" "$rootfs$srv/$deb_name"
install -m 0644 "$repo/models/irnet/irnet.qpack" "$rootfs$srv/irnet.qpack"
# One test-set sample per shipped model, each one the model gets right with a wide margin (irnet's 9 is the README's
# sneaker); the answers must name their labels.
declare -A expected_labels
for sample in irnet:testset_images:9 bipointnet:testset_points:2; do
    IFS=: read -r model inputs index <<<"$sample"
    expected_labels[$model]=$(python3 "$here/npy_sample.py" "$repo/models/$model/$inputs.npy" \
        "$repo/models/$model/testset_labels.npy" "$repo/models/$model/labels.txt" "$index" "$rootfs$srv/$model.npy")
    chmod 0644 "$rootfs$srv/$model.npy"
done
# The camera check's "camera": eight test images of eight classes, each one the model gets right with a wide margin,
# played 25 times (10 s at 20 frames/s) as raw GRAY8 frames.
camera_labels=$(cd "$here" && python3 gray_frames.py "$repo/models/irnet/testset_images.npy" \
    "$repo/models/irnet/testset_labels.npy" "$repo/models/irnet/labels.txt" "$rootfs$srv/fashion.gray" 25 1 2 8 9 13 18 19 39)
chmod 0644 "$rootfs$srv/fashion.gray"
note "$(du -sh "$rootfs" | cut -f1) unpacked from ${tarball##*/}"

phase "boot"
mkdir "$cgroup"
bash "$here/boot.sh" "$rootfs" "$cgroup" >"$run/boot.log" 2>&1 &
launcher=$!
find_pid1() { pid1=$(pgrep -P "$launcher" || true); [ -n "$pid1" ] && [ "$(cat "/proc/$pid1/comm" 2>/dev/null)" = systemd ]; }
if ! wait_until 15 find_pid1; then
    fail "systemd boots in the rootfs" "no systemd under unshare ($launcher) after 15 s" "$(cat "$run/boot.log")"
    exit 1
fi
system_state=""
booted() {
    system_state=$(inside --timeout=10 systemctl is-system-running 2>/dev/null || true)
    [ "$system_state" = running ] || [ "$system_state" = degraded ]
}
if wait_until 90 booted; then
    pass "systemd boots in the rootfs" "PID $pid1 on the host, $(inside systemctl --version | head -n 1), state $system_state"
    if [ "$system_state" = degraded ]; then note "failed units: $(inside systemctl --failed --no-legend --plain | paste -sd' ')"; fi
else
    fail "systemd boots in the rootfs" "state '$system_state' after 90 s" \
        "$(cat "$run/boot.log"; inside systemctl --failed --no-pager 2>&1)"
    exit 1
fi

# Each check prints its own PASS or FAIL and the run goes on to the next; `|| true` also keeps set -e out of the
# checks, where a failing command is evidence to judge, not a reason to stop.
phase "install"
check_install || true
if ! inside dpkg-query -W qinferd >/dev/null 2>&1; then
    echo "no qinferd package installed: the checks that need it cannot run"
    exit 1
fi
phase "socket activation and inference"
check_socket_activation || true
phase "notify, journal, reload"
check_notify || true
check_journal || true
check_reload || true
phase "sandbox"
check_hardening || true
phase "admin push"
check_admin || true
phase "camera source under the camera drop-in"
check_camera || true
phase "metrics socket"
check_metrics_socket || true
phase "watchdog"
check_watchdog || true
phase "stop"
check_stop || true
phase "remove, reinstall, purge"
check_remove_reinstall_purge || true

phase "clean-up"
teardown || fail "clean-up leaves nothing behind" "see the lines above"
phase_end
# finish_run (lib.sh) prints the summary and sets the exit status from the count.
