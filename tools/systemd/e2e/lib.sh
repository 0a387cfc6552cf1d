# Helpers of run.sh (sourced): results, phase timing, bounded waiting, and commands inside the booted rootfs.
# shellcheck shell=bash

passed=0
failed=0
results=()
phases=()
phase_name=""
phase_start=0

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# A phase is a timed stretch of the run (bootstrap, boot, install, one group of checks); the summary lists them.
phase() {
    phase_end
    phase_name=$1
    phase_start=$(now)
    echo
    echo "== $phase_name"
}
phase_end() {
    if [ -n "$phase_name" ]; then phases+=("$(printf '%7ss  %s' "$(seconds_since "$phase_start")" "$phase_name")"); fi
    phase_name=""
}

pass() { # name, what was seen
    passed=$((passed + 1))
    results+=("PASS  $1")
    echo "PASS: $1${2:+ — $2}"
}
# Never at the end of a pipeline: that would run it in a subshell and lose the count. Evidence is an argument.
fail() { # name, why, evidence (lines, printed indented)
    failed=$((failed + 1))
    results+=("FAIL  $1")
    echo "FAIL: $1 — $2"
    if [ -n "${3:-}" ]; then sed 's/^/    | /' <<<"$3"; fi
}
note() { echo "  $*"; }

# Polls `command…` every 0.2 s until it succeeds or SECONDS pass; returns its last status. Every wait in the test goes
# through here, so nothing waits unbounded.
wait_until() { # seconds, command…
    local deadline
    deadline=$(awk -v n="$(now)" -v s="$1" 'BEGIN { printf "%.3f", n + s }')
    shift
    while true; do
        if "$@"; then return 0; fi
        if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n >= d) }'; then return 1; fi
        sleep 0.2
    done
}

# True when PID is gone or a zombie (kill -0 succeeds on a zombie that is not reaped yet).
process_gone() {
    [ ! -e "/proc/$1" ] || [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]
}

# Runs a command in the rootfs's namespaces (all of them: PID, mount and so root directory, UTS, IPC, network,
# cgroup) with a clean environment and no stdin, killed after QINFERD_E2E_TIMEOUT seconds (default 60) or the
# first argument's when it is --timeout=N. timeout signals its whole process group, which includes the command
# forked inside the PID namespace.
inside() {
    local limit=${QINFERD_E2E_TIMEOUT:-60}
    case "${1:-}" in --timeout=*) limit=${1#--timeout=}; shift ;; esac
    timeout -k 5 "$limit" nsenter --target "$pid1" --pid --mount --uts --ipc --net --cgroup --root --wd -- \
        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
        SYSTEMD_PAGER= SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive "$@" </dev/null
}

# One property of a unit, as systemctl show --value prints it.
unit_property() { inside systemctl show --value -p "$2" "$1"; }

# HTTP over qinferd's socket inside the rootfs, as USER (root when empty). Sets http_status (000: no connection)
# and http_body; returns 0 whenever curl ran, so the caller judges the status.
api_socket=/run/qinferd/qinferd.sock
http() { # user, method, path, curl arguments…
    local user=$1 method=$2 path=$3 output
    shift 3
    local -a as=()
    if [ -n "$user" ]; then as=(runuser -u "$user" --); fi
    output=$(inside "${as[@]}" curl -sS --max-time 30 --unix-socket "$api_socket" -X "$method" \
        -w '\n%{http_code}' "$@" "http://localhost$path" 2>&1) || true
    http_status=${output##*$'\n'}
    http_body=${output%$'\n'*}
    case "$http_status" in [0-9][0-9][0-9]) ;; *) http_body=$output; http_status=000 ;; esac
}

# Evidence for a failed check about the service: its status and its last journal lines.
service_evidence() {
    inside systemctl status --no-pager -l qinferd.socket qinferd.service 2>&1 | tail -n 30
    inside journalctl --no-pager -n 30 -u qinferd.service -u qinferd.socket 2>&1
}

# A Python expression over the JSON document on stdin (bound to `j`), printed; the host's python3, standard library.
json_eval() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# The timing and the results, then the closing line "SUITE: N passed, M failed".
print_summary() { # suite name
    echo
    echo "== timing"
    printf '%s\n' "${phases[@]}"
    printf '%7ss  total\n' "$(seconds_since "$run_start")"
    echo
    echo "== results"
    if [ "${#results[@]}" -gt 0 ]; then printf '%s\n' "${results[@]}"; fi
    echo
    echo "$1: $passed passed, $failed failed"
}

# A run's EXIT trap (trap 'finish_run SUITE' EXIT): the run's own `teardown` unless it ran already, a run that stopped
# early (a failed bootstrap, a boot that never finishes) counted as a failure, then the summary, so the log always
# ends with the count; exits non-zero when anything failed.
finish_run() { # suite name
    local status=$? stopped_in=$phase_name
    set +e # the clean-up runs to its end whatever fails in it
    phase_end
    if [ "$torn_down" = 0 ]; then
        phase "clean-up"
        teardown || fail "clean-up leaves nothing behind" "see the lines above"
        phase_end
    fi
    if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
        fail "run.sh ran to the end" "it stopped with status $status in phase '${stopped_in:-setup}' (its output above says why)"
    fi
    print_summary "$1"
    if [ "$failed" != 0 ]; then status=1; fi
    exit "$status"
}

# The last step of a run's teardown: its directory deleted, unless something is still mounted under it (then rm -rf
# could walk into a host's /dev or /sys: left, and a failure) or QINFERD_E2E_KEEP=1 asks to keep it for a look.
remove_run_dir() { # directory
    if findmnt -rn -o TARGET | grep -qF "$1"; then
        echo "cleanup: still mounted under $1, not deleting it:"
        findmnt -rn -o TARGET | grep -F "$1"
        return 1
    elif [ "${QINFERD_E2E_KEEP:-0}" = 1 ]; then
        echo "kept: $1 (boards or rootfs, boot logs, apt logs)"
    else
        rm -rf --one-file-system "$1"
    fi
}
