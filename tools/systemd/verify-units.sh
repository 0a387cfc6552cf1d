#!/usr/bin/env bash
# Checks the files in systemd/ without a running systemd (a container or CI machine is fine; only the tools of
# Debian's `systemd` package are needed):
#   1. `systemd-analyze verify` on qinferd.service, qinferd.socket and qinferd-metrics.socket: any line of output
#      fails, warnings included; then the socket units' names and links: the metrics socket triggers qinferd.service,
#      is not enabled by default, and both sockets carry the FileDescriptorName= qinferd looks for;
#   2. `systemd-analyze security --offline=yes` on qinferd.service, printed in full: fails above exposure 2.0; then
#      the same unit with qinferd-camera.conf as its drop-in: verify without warnings, exposure within the limit;
#   3. qinferd.sysusers.conf and qinferd.tmpfiles.conf applied to an empty root directory: they must create the
#      qinferd user, the qinferd-admin group, the gpio and video memberships and the directories, and tmpfiles must
#      be silent.
# Usage: tools/systemd/verify-units.sh   (QINFERD_MAX_EXPOSURE=1.0 to tighten the limit)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
units="$repo/systemd"
max_exposure="${QINFERD_MAX_EXPOSURE:-2.0}"

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    if ! command -v "$tool" >/dev/null; then
        echo "verify-units: $tool not found; install Debian's systemd package (apt-get install systemd)" >&2
        exit 1
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$units/qinferd.service" "$units/qinferd.socket" "$units/qinferd-metrics.socket" "$work/"

# verify also checks that each Exec*= program exists and is executable. On a machine where qinferd is not installed
# at /usr/bin/qinferd (a build machine, CI), the temporary copy starts /usr/bin/true instead, with the same arguments;
# likewise ExecReload='s /bin/kill where procps is missing (a minimal container). systemd/qinferd.service itself is
# never changed.
stand_in() {  # key, program
    if [ ! -x "$2" ]; then
        sed -i "s|^$1=$2 |$1=/usr/bin/true |" "$work/qinferd.service"
        if ! grep -q "^$1=/usr/bin/true " "$work/qinferd.service"; then
            echo "verify-units: FAIL: qinferd.service has no '$1=$2 …' line to stand in for" >&2
            exit 1
        fi
        echo "note: $2 is not installed here; the checked copy's $1= runs /usr/bin/true instead"
    fi
}
stand_in ExecStart /usr/bin/qinferd
stand_in ExecReload /bin/kill

# `systemd-analyze verify` on copies in $work (with the drop-ins beside them): any line of output fails.
verify_quietly() {  # what is verified (for the message), unit files…
    local what=$1 status=0 output
    shift
    output=$(systemd-analyze verify --man=no "$@" 2>&1) || status=$?
    if [ -n "$output" ] || [ "$status" -ne 0 ]; then
        printf '%s\n' "$output" | sed "s|$work/|systemd/|g"
        echo "verify-units: FAIL: $what: systemd-analyze verify exited $status and printed the lines above (any line fails)" >&2
        exit 1
    fi
}

# `systemd-analyze security --offline=yes` on $work/qinferd.service (drop-ins included): sets report and exposure
# (empty when the report names no overall level); true when the exposure is within the limit.
threshold=$(awk -v m="$max_exposure" 'BEGIN { printf "%d", m * 10 + 0.5 }')  # --threshold counts tenths
security_within_limit() {
    local status=0
    report=$(systemd-analyze security --offline=yes --threshold="$threshold" "$work/qinferd.service" 2>&1) || status=$?
    exposure=$(printf '%s\n' "$report" | sed -n 's/^.*Overall exposure level for qinferd\.service: \([0-9.]*\).*$/\1/p')
    [ -n "$exposure" ] && [ "$status" -eq 0 ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'
}

echo "== systemd-analyze verify qinferd.service qinferd.socket qinferd-metrics.socket"
verify_quietly "the units" "$work/qinferd.service" "$work/qinferd.socket" "$work/qinferd-metrics.socket"
echo "ok: no warnings"

echo
echo "== the socket units as qinferd reads them"
# The last assignment of a key wins in systemd, so each check reads the last one.
setting() {  # unit, key
    sed -n "s/^$2=//p" "$units/$1" | tail -n 1
}
expect_setting() {  # unit, key, value, why
    actual=$(setting "$1" "$2")
    if [ "$actual" != "$3" ]; then
        echo "verify-units: FAIL: $1 has $2=${actual:-(unset)}, expected $2=$3 ($4)" >&2
        exit 1
    fi
}
expect_setting qinferd.socket FileDescriptorName api "the name qinferd serves the API on"
expect_setting qinferd-metrics.socket FileDescriptorName metrics "the name qinferd serves only GET /metrics on"
expect_setting qinferd-metrics.socket Service qinferd.service "the daemon that receives the descriptor"
expect_setting qinferd-metrics.socket ListenStream 9464 "the documented default port"
# Disabled by default: nothing pulls the metrics socket in; only `systemctl enable` (its [Install] section) does.
if grep -Eq '^(Sockets|Wants|Requires|BindsTo)=.*qinferd-metrics\.socket' "$units/qinferd.service" "$units/qinferd.socket"; then
    echo "verify-units: FAIL: qinferd.service or qinferd.socket pulls in qinferd-metrics.socket, which must stay opt-in" >&2
    exit 1
fi
expect_setting qinferd-metrics.socket WantedBy sockets.target "what systemctl enable links it into"
# The service's network sandbox stays: the metrics port reaches it only as a passed descriptor.
expect_setting qinferd.service PrivateNetwork yes "the service keeps no network of its own"
expect_setting qinferd.service IPAddressDeny any "the service's own IP traffic stays blocked"
echo "ok: api and metrics descriptor names, Service=qinferd.service, not pulled in, PrivateNetwork=yes kept"

echo
echo "== systemd-analyze security --offline=yes qinferd.service"
within=0
security_within_limit && within=1
printf '%s\n' "$report"
if [ -z "$exposure" ]; then
    echo "verify-units: FAIL: no overall exposure level in the security report" >&2
    exit 1
fi
if [ "$within" = 0 ]; then
    echo "verify-units: FAIL: exposure $exposure is above $max_exposure" >&2
    exit 1
fi
unit_exposure=$exposure
echo "ok: exposure $exposure (limit $max_exposure)"

echo
echo "== qinferd.service with the camera drop-in (qinferd-camera.conf as qinferd.service.d/camera.conf)"
# An admin installs it when qinferd.toml has camera sources: it must load without a warning and keep the unit
# within the same exposure limit.
mkdir "$work/qinferd.service.d"
cp "$units/qinferd-camera.conf" "$work/qinferd.service.d/camera.conf"
verify_quietly "with the camera drop-in" "$work/qinferd.service" "$work/qinferd.socket"
if ! security_within_limit; then
    printf '%s\n' "$report" | grep -E 'DeviceAllow|Overall'
    echo "verify-units: FAIL: with the camera drop-in the exposure is ${exposure:-(none)}, limit $max_exposure" >&2
    exit 1
fi
printf '%s\n' "$report" | grep -E '^. DeviceAllow=' | sed 's/  */ /g'
echo "ok: no warnings, exposure $exposure (limit $max_exposure)"
rm -r "$work/qinferd.service.d"

echo
echo "== sysusers.d and tmpfiles.d on an empty root"
root="$work/root"
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$units/qinferd.sysusers.conf" 2>&1 | sed 's/^/  /'
check() {  # file, pattern, what
    if ! grep -Eq "$2" "$root/$1"; then
        echo "verify-units: FAIL: qinferd.sysusers.conf did not create $3 ($1 has no line matching $2)" >&2
        exit 1
    fi
}
check etc/passwd '^qinferd:x:[0-9]+:[0-9]+:[^:]*:/var/lib/qinferd:' "the qinferd user"
check etc/group '^qinferd:x:[0-9]+:' "the qinferd group"
check etc/group '^qinferd-admin:x:[0-9]+:' "the qinferd-admin group"
check etc/group '^gpio:x:[0-9]+:(.*,)?qinferd(,|$)' "qinferd's membership in gpio"
check etc/group '^video:x:[0-9]+:(.*,)?qinferd(,|$)' "qinferd's membership in video (/dev/vcio on the Pi 5)"
status=0
output=$(systemd-tmpfiles --root="$root" --create "$units/qinferd.tmpfiles.conf" 2>&1) || status=$?
if [ -n "$output" ] || [ "$status" -ne 0 ]; then
    printf '%s\n' "$output"
    echo "verify-units: FAIL: systemd-tmpfiles exited $status and printed the lines above" >&2
    exit 1
fi
uid=$(awk -F: '$1 == "qinferd" { print $3 }' "$root/etc/passwd")
for dir in etc/qinferd:755:0 var/lib/qinferd:750:$uid var/lib/qinferd/models:750:$uid; do
    IFS=: read -r path mode owner <<<"$dir"
    actual=$(stat -c '%a:%u' "$root/$path" 2>/dev/null || echo missing)
    if [ "$actual" != "$mode:$owner" ]; then
        echo "verify-units: FAIL: /$path is $actual, expected mode $mode owned by uid $owner" >&2
        exit 1
    fi
done
echo "ok: user qinferd, groups qinferd, qinferd-admin, gpio and video (member qinferd); /etc/qinferd, /var/lib/qinferd/models"

echo
echo "verify-units: all checks passed (exposure $unit_exposure)"
