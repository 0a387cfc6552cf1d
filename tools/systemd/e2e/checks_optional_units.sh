# The checks of run.sh (sourced) for what an admin turns on after installing: the camera drop-in with a camera source
# and the metrics socket. Each restores the installed state afterwards (drop-in and source gone, socket disabled), so
# the checks after them see the package as installed. Helpers come from lib.sh and checks.sh.
# shellcheck shell=bash

camera_dropin=/etc/systemd/system/qinferd.service.d/camera.conf
camera_source=e2e-camera

# The answers' labels of a source, in order, from the /v1/events lines on stdin: one line, separated by spaces.
source_labels() { # source name
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if (event.get("source") or {}).get("name") == sys.argv[1]:
        print(event["top"][0]["label"])' "$1" | paste -sd' '
}

# Whether ANSWERS (labels, space-separated) is EXPECTED played in a loop with frames skipped: each answer is one of the
# next EXPECTED labels after the previous one, order kept. The labels are all different, so a frame answered with
# another image's class breaks it.
follows_in_loop() { # answers, expected
    python3 -c '
import sys
answers, expected = sys.argv[1].split(), sys.argv[2].split()
at = -1
for label in answers:
    steps = [s for s in range(1, len(expected) + 1) if expected[(at + s) % len(expected)] == label]
    if not steps:
        sys.exit(1)
    at += steps[0]' "$1" "$2"
}

check_camera() {
    reset_start_limit
    local config="$rootfs/etc/qinferd/qinferd.toml" rc=0 log="$run/camera.log"
    cp "$config" "$run/qinferd.toml.camera"
    # The drop-in exactly as docs/SOURCES.md tells an admin to install it, from the package.
    inside install -D -m 0644 /usr/share/qinferd/systemd/camera.conf "$camera_dropin" >"$log" 2>&1 || rc=$?
    # A camera without a camera: Fashion-MNIST test images played from a raw GRAY8 file at 20 frames/s, through
    # rawvideoparse and the same converters a webcam pipeline ends with (gstreamer1.0-plugins-base, in the rootfs).
    cat >>"$config" <<TOML

[[source]]
name = "$camera_source"
kind = "camera"
model = "irnet"
pipeline = "filesrc location=$srv/fashion.gray ! rawvideoparse format=gray8 width=28 height=28 framerate=20/1 ! videoconvert ! videoscale"
TOML
    { inside systemctl daemon-reload && inside systemctl restart qinferd.service; } >>"$log" 2>&1 || rc=$?

    local name="a camera source runs in the hardened service with the camera drop-in; its answers follow the frames' labels"
    local sources="" events labels invocation
    source_running() {
        http "" GET /v1/sources
        sources=$http_body
        [ "$(json_eval '[(s["state"], s["inferred"] > 0) for s in j["sources"]]' <<<"$http_body" 2>/dev/null)" = "[('running', True)]" ]
    }
    invocation=$(unit_property qinferd.service InvocationID)
    if [ "$rc" = 0 ] && wait_until 20 source_running; then
        # Four seconds of the event stream: about 80 frames at 20 frames/s, inferred in well under a frame's time.
        events=$(inside curl -sN --max-time 4 --unix-socket "$api_socket" http://localhost/v1/events 2>/dev/null || true)
        labels=$(source_labels "$camera_source" <<<"$events")
    fi
    local answers
    answers=$(wc -w <<<"${labels:-}")
    if [ "$rc" = 0 ] && [ "$answers" -ge 30 ] && follows_in_loop "$labels" "$camera_labels"; then
        pass "$name" "$answers answers in 4 s, in the frames' order ($(cut -d' ' -f1-8 <<<"$labels") …)"
    else
        fail "$name" "expected ≥ 30 answers following '$camera_labels' in a loop" \
            "$(echo "setup: exit $rc"; cat "$log"; echo "answers ($answers): ${labels:-none}"; echo "GET /v1/sources: $sources"
               echo "journal: $(journal_lines "$invocation" '.')"; service_evidence)"
    fi

    # What the drop-in and the unit promise around it (docs/SOURCES.md): device classes added, nothing loosened,
    # GStreamer's registry in the unit's cache directory rather than the model store's.
    name="with the drop-in: DeviceAllow gains the camera classes, MemoryDenyWriteExecute and the seccomp filter stay, exposure ≤ $max_exposure"
    local allow mdwe seccomp security_report exposure within=0
    allow=$(unit_property qinferd.service DeviceAllow)
    mdwe=$(unit_property qinferd.service MemoryDenyWriteExecute)
    seccomp=$(inside awk '$1 == "Seccomp:" { print $2 }' "/proc/$(main_pid)/status")
    security_within_limit && within=1
    if [[ $allow == *"char-video4linux rw"* ]] && [[ $allow == *"char-media rw"* ]] && [ "$mdwe" = yes ] &&
        [ "$seccomp" = 2 ] && [ "$within" = 1 ]; then
        pass "$name" "DeviceAllow=$allow; MemoryDenyWriteExecute=$mdwe, Seccomp $seccomp, exposure $exposure"
    else
        fail "$name" "expected the camera classes allowed and the sandbox as strict as without the drop-in" \
            "$(echo "DeviceAllow=$allow"; echo "MemoryDenyWriteExecute=$mdwe Seccomp=$seccomp exposure=${exposure:-none}"; grep -E 'DeviceAllow|Overall' <<<"$security_report")"
    fi

    name="GStreamer's plugin registry is written to /var/cache/qinferd (CacheDirectory=), not under the model store"
    local registry
    registry=$(inside stat -c '%U:%G %s bytes' /var/cache/qinferd/gstreamer-registry.bin 2>&1)
    if [[ $registry == "qinferd:qinferd "* ]] && [[ $registry != "qinferd:qinferd 0 bytes" ]] && ! inside test -e /var/lib/qinferd/.cache; then
        pass "$name" "/var/cache/qinferd/gstreamer-registry.bin: $registry"
    else
        fail "$name" "expected the registry owned by qinferd in /var/cache/qinferd and no /var/lib/qinferd/.cache" \
            "$(echo "registry: $registry"; inside ls -la /var/cache/qinferd /var/lib/qinferd 2>&1)"
    fi

    # Back to the package as installed: no drop-in, no source.
    cp "$run/qinferd.toml.camera" "$config"
    inside rm -f "$camera_dropin"
    inside rmdir --ignore-fail-on-non-empty "${camera_dropin%/*}"
    inside systemctl daemon-reload
    reset_start_limit
    inside systemctl restart qinferd.service >>"$log" 2>&1 || note "restart after the camera check: $(tail -n 3 "$log")"
}

check_metrics_socket() {
    reset_start_limit
    local name="qinferd-metrics.socket turned on as docs/INSTALL.md says: GET http://127.0.0.1:9464/metrics answers, other paths 404, PrivateNetwork stays"
    local rc=0 log="$run/metrics.log" output status body other private
    # The documented commands (docs/INSTALL.md): systemd refuses to start the socket while qinferd.service runs.
    { inside systemctl enable qinferd-metrics.socket && inside systemctl stop qinferd.service &&
        inside systemctl start qinferd-metrics.socket qinferd.service; } >"$log" 2>&1 || rc=$?
    output=$(inside curl -sS --max-time 10 -w '\n%{http_code}' http://127.0.0.1:9464/metrics 2>&1) || true
    status=${output##*$'\n'}
    body=${output%$'\n'*}
    other=$(inside curl -s -o /dev/null --max-time 10 -w '%{http_code}' http://127.0.0.1:9464/v1/health 2>&1) || true
    private=$(unit_property qinferd.service PrivateNetwork)
    if [ "$rc" = 0 ] && [ "$status" = 200 ] && grep -q '^qinferd_build_info{' <<<"$body" && [ "$other" = 404 ] &&
        [ "$private" = yes ]; then
        pass "$name" "$(grep -c '^qinferd_' <<<"$body") samples, $(grep '^qinferd_build_info{' <<<"$body"); /v1/health: $other; PrivateNetwork=$private"
    else
        fail "$name" "expected 200 with qinferd_build_info, 404 elsewhere, PrivateNetwork=yes" \
            "$(echo "enable, stop, start: exit $rc"; cat "$log"; echo "GET /metrics: $status"; head -n 5 <<<"$body"
               echo "GET /v1/health: $other"; echo "PrivateNetwork=$private"; service_evidence)"
    fi
    # Back to the package as installed: the socket off and not enabled, qinferd with the API socket only.
    { inside systemctl stop qinferd.service && inside systemctl disable --now qinferd-metrics.socket &&
        inside systemctl start qinferd.service; } >>"$log" 2>&1 || note "turning qinferd-metrics.socket off: $(tail -n 3 "$log")"
}
