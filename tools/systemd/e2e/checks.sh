# The checks of run.sh (sourced), in the order they run; each prints one PASS or FAIL line, with evidence on FAIL.
# They share one booted rootfs and run in this order: reload before the admin push (it uses the embedded bipointnet,
# which a non-empty store hides), the push before the watchdog, stop and remove checks (a stored model is what must
# survive them). Each judges only its own claim, so one FAIL does not drag the later checks down with it.
# shellcheck shell=bash

srv=/srv/qinferd-e2e # the test's inputs inside the rootfs (run.sh puts them there), readable by the test users
store_file=/var/lib/qinferd/models/irnet/e2e.qpack

main_pid() { unit_property qinferd.service MainPID; }
service_running() { [ "$(unit_property qinferd.service SubState)" = running ]; }
journal_count() { # invocation id, fixed string
    inside journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$1" | grep -cF -- "$2" || true
}
journal_has() { [ "$(journal_count "$1" "$2")" -ge 1 ]; }
journal_lines() { # invocation id, extended regex: the matching lines, joined by " · "
    inside journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$1" | grep -E -- "$2" | paste -sd'|' | sed 's/|/ · /g'
}

infer() { # user, model, sample file under $srv; sets http_status/http_body
    http "$1" POST "/v1/models/$2/infer?top_k=3" -H 'content-type: application/x-npy' --data-binary "@$srv/$3"
}
top_label() { json_eval 'j["top"][0]["label"]' <<<"$http_body" 2>/dev/null || echo "(no top label)"; }
top_summary() { json_eval '", ".join("%s %.2f" % (t["label"], t["score"]) for t in j["top"])' <<<"$http_body" 2>/dev/null; }
# "(active version, [sources of its versions])" of GET /v1/models/irnet, e.g. "('e2e', ['store'])"
irnet_versions() {
    http "" GET /v1/models/irnet
    json_eval '(j["active_version"], [v["source"] for v in j["versions"]])' <<<"$http_body" 2>/dev/null || echo "$http_status $http_body"
}

check_install() {
    local name="apt installs the .deb offline: every Depends is in the rootfs"
    if inside --timeout=300 apt-get install -y --no-install-recommends "$srv/$deb_name" >"$run/apt-install.log" 2>&1; then
        pass "$name" "$(grep -E '^Setting up qinferd' "$run/apt-install.log" | tail -n 1)"
    else
        fail "$name" "apt-get install exited non-zero" "$(tail -n 25 "$run/apt-install.log")"
        return
    fi
    name="the package enables qinferd.socket and it listens on $api_socket (root:qinferd, 0660)"
    local enabled active mode
    enabled=$(inside systemctl is-enabled qinferd.socket 2>&1 | head -n 1)
    active=$(inside systemctl is-active qinferd.socket 2>&1)
    mode=$(inside stat -c '%A %U:%G' "$api_socket" 2>&1)
    if [ "$enabled" = enabled ] && [ "$active" = active ] && [ "$mode" = "srw-rw---- root:qinferd" ]; then
        pass "$name" "is-enabled $enabled, is-active $active, $mode"
    else
        fail "$name" "expected enabled, active and srw-rw---- root:qinferd" \
            "$(echo "is-enabled: $enabled"; echo "is-active: $active"; echo "socket: $mode"; service_evidence)"
    fi
    note "qinferd.service after install: $(inside systemctl is-active qinferd.service 2>&1), $(inside systemctl is-enabled qinferd.service 2>&1 | head -n 1)"
}

check_socket_activation() {
    local name="the first connection to $api_socket starts qinferd.service and its inference answers '${expected_labels[irnet]}'"
    # The package may or may not start the service itself; either way it must be stopped here for the connection to
    # be what starts it. (systemctl warns that the socket can still activate it: that is the point.)
    inside systemctl stop qinferd.service 2>/dev/null
    local before after invocation
    before=$(unit_property qinferd.service ActiveState)
    if [ "$before" != inactive ] && [ "$before" != failed ]; then
        fail "$name" "qinferd.service is $before before any connection" "$(service_evidence)"
        return
    fi
    # The first connection is an inference, as a client's would be: it waits in the socket's backlog while qinferd
    # starts, and must be answered, not refused.
    infer "" irnet irnet.npy
    after=$(unit_property qinferd.service ActiveState)
    invocation=$(unit_property qinferd.service InvocationID)
    if [ "$http_status" = 200 ] && [ "$(top_label)" = "${expected_labels[irnet]}" ] && [ "$after" = active ] &&
        wait_until 10 journal_has "$invocation" "(socket-activated)"; then
        pass "$name" "service $before → $after; POST /v1/models/irnet/infer $http_status, top: $(top_summary); journal: $(journal_lines "$invocation" 'socket-activated')"
    else
        fail "$name" "no answer from a socket-activated qinferd" \
            "$(echo "POST /v1/models/irnet/infer: $http_status $http_body"; echo "service: $before → $after"; service_evidence)"
    fi

    name="an inference on the other shipped model, bipointnet, answers '${expected_labels[bipointnet]}'"
    infer "" bipointnet bipointnet.npy
    if [ "$http_status" = 200 ] && [ "$(top_label)" = "${expected_labels[bipointnet]}" ]; then
        pass "$name" "POST /v1/models/bipointnet/infer $http_status, top: $(top_summary)"
    else
        fail "$name" "expected 200 with top label ${expected_labels[bipointnet]}" "$(echo "$http_status $http_body"; service_evidence)"
    fi
}

check_notify() {
    local name="READY and STATUS reach systemd (Type=notify running, StatusText live)"
    local type substate status
    type=$(unit_property qinferd.service Type)
    substate=$(unit_property qinferd.service SubState)
    # A Type=notify service is "running" only after READY=1; STATUS= is refreshed every 5 s when it changed, so the
    # two inferences above show up as served requests within a few seconds.
    status_counts_requests() {
        status=$(unit_property qinferd.service StatusText)
        [[ $status =~ ^serving\ [1-9][0-9]*\ model\(s\),\ ([0-9]+)\ request\(s\)\ served$ ]] && [ "${BASH_REMATCH[1]}" -ge 2 ]
    }
    if [ "$type" = notify ] && [ "$substate" = running ] && wait_until 15 status_counts_requests; then
        pass "$name" "Type=$type SubState=$substate StatusText=\"$status\""
    else
        fail "$name" "expected Type=notify, running and 'serving N model(s), ≥2 request(s) served'" \
            "$(echo "Type=$type SubState=$substate StatusText=\"$status\""; service_evidence)"
    fi
}

check_journal() {
    local name="journalctl -u qinferd -o json carries qinferd's structured fields"
    local uid report
    uid=$(inside getent passwd qinferd | cut -d: -f3)
    journal_ok() { report=$(inside journalctl --no-pager -u qinferd.service -o json | python3 "$here/journal_check.py" "$uid"); }
    # journald may still be writing the last entries; a short bounded retry.
    if wait_until 10 journal_ok; then
        pass "$name" "$report"
    else
        fail "$name" "fields missing or entries not from qinferd's journal handler" "$report"
    fi
}

check_reload() {
    local name="systemctl reload re-reads /etc/qinferd/qinferd.toml (max_body_bytes 1024: 413, restored: 200)"
    local pid invocation count limited="" restored="" reload_rc=0 config="$rootfs/etc/qinferd/qinferd.toml"
    pid=$(main_pid)
    invocation=$(unit_property qinferd.service InvocationID)
    count=$(journal_count "$invocation" "configuration reloaded")
    cp "$config" "$run/qinferd.toml.orig"
    # The bipointnet sample (1024 points × 3 floats) is 12 KiB: over the smallest limit qinferd accepts.
    printf '\nmax_body_bytes = 1024\n' >>"$config"
    inside systemctl reload qinferd.service >"$run/reload.log" 2>&1 || reload_rc=$?
    reloaded() { [ "$(journal_count "$invocation" "configuration reloaded")" -ge "$1" ]; }
    bipointnet_answers() { infer "" bipointnet bipointnet.npy; [ "$http_status" = "$1" ]; }
    if wait_until 10 reloaded $((count + 1)) && wait_until 5 bipointnet_answers 413; then limited=413; fi
    limited=${limited:-$http_status}
    cp "$run/qinferd.toml.orig" "$config"
    inside systemctl reload qinferd.service >>"$run/reload.log" 2>&1 || reload_rc=$?
    if wait_until 10 reloaded $((count + 2)) && wait_until 5 bipointnet_answers 200; then restored=200; fi
    restored=${restored:-$http_status}
    if [ "$reload_rc" = 0 ] && [ "$limited" = 413 ] && [ "$restored" = 200 ] && [ "$(main_pid)" = "$pid" ]; then
        pass "$name" "journal 'configuration reloaded' ×$(($(journal_count "$invocation" "configuration reloaded") - count)), MainPID $pid throughout"
    else
        fail "$name" "expected 413 under the lowered limit and 200 after restoring it, one process throughout" \
            "$(echo "systemctl reload: exit $reload_rc"; cat "$run/reload.log"; echo "lowered: $limited, restored: $restored"
               echo "MainPID $pid → $(main_pid)"; echo "journal: $(journal_lines "$invocation" 'reload')"; service_evidence)"
    fi
}

# `systemd-analyze security` on the installed unit as it runs (drop-ins included): sets security_report and exposure
# (empty when the report names no overall level); true when the exposure is within $max_exposure.
security_within_limit() {
    security_report=$(inside systemd-analyze security --no-pager qinferd.service 2>&1)
    exposure=$(sed -n 's/^.*Overall exposure level for qinferd\.service: \([0-9.]*\).*$/\1/p' <<<"$security_report")
    [ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'
}

check_hardening() {
    local name="systemd-analyze security qinferd.service (installed unit, running) ≤ $max_exposure"
    local security_report exposure
    if security_within_limit; then
        pass "$name" "exposure $exposure"
    else
        fail "$name" "exposure ${exposure:-(none found)}" "$(tail -n 40 <<<"$security_report")"
    fi

    name="qinferd runs as user qinferd: no capabilities, no_new_privs, seccomp filter"
    local pid uid gid status
    pid=$(main_pid)
    uid=$(inside getent passwd qinferd | cut -d: -f3)
    gid=$(inside getent group qinferd | cut -d: -f3)
    status=$(inside cat "/proc/$pid/status")
    field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' <<<"$status"; } # fields joined by spaces
    if [ -n "$uid" ] && [ "$(field Uid)" = "$uid $uid $uid $uid" ] && [ "$(field Gid)" = "$gid $gid $gid $gid" ] &&
        [ "$(field CapEff)" = 0000000000000000 ] && [ "$(field CapBnd)" = 0000000000000000 ] &&
        [ "$(field NoNewPrivs)" = 1 ] && [ "$(field Seccomp)" = 2 ]; then
        pass "$name" "uid/gid $uid/$gid, groups $(field Groups), CapEff/CapBnd 0, NoNewPrivs 1, Seccomp 2 (filter)"
    else
        fail "$name" "expected uid/gid of qinferd ($uid/$gid) and the sandbox fields at their strict values" \
            "$(grep -E '^(Uid|Gid|Groups|CapEff|CapBnd|NoNewPrivs|Seccomp):' <<<"$status")"
    fi

    # The write probes run in qinferd's own mount namespace (nsenter -t MainPID -m), the view ProtectSystem=strict,
    # ProtectHome= and StateDirectory= build for it. As root, so file permissions cannot be why a write fails: only a
    # read-only mount can. The same probe in the rootfs's namespace succeeds, so the probe itself is sound.
    name="in qinferd's mount namespace / is read-only and only /var/lib/qinferd is writable"
    local probe=.qinferd-e2e-probe results="" ok=1 output dir
    for dir in /etc /usr /var/lib /var/cache; do
        output=$(inside nsenter -t "$pid" -m -- touch "$dir/$probe" 2>&1) && ok=0
        [[ $output == *"Read-only file system"* ]] || ok=0
        results+="$dir: ${output:-written}"$'\n'
        inside rm -f "$dir/$probe"
    done
    if ! output=$(inside sh -c "touch /etc/$probe && rm /etc/$probe" 2>&1); then
        ok=0
        results+="control, /etc in the rootfs's own namespace: $output"$'\n'
    fi
    if output=$(inside nsenter -t "$pid" -m -S "$uid" -G "$gid" -- sh -c "touch /var/lib/qinferd/$probe && rm /var/lib/qinferd/$probe" 2>&1); then
        results+="/var/lib/qinferd as qinferd: written"$'\n'
    else
        ok=0
        results+="/var/lib/qinferd as qinferd: $output"$'\n'
    fi
    if [ "$ok" = 1 ]; then
        pass "$name" "EROFS in /etc, /usr, /var/lib, /var/cache; /var/lib/qinferd written by uid $uid"
    else
        fail "$name" "a write outside the state directory went through, or the state directory refused one" "$results"
    fi
}

check_admin() {
    # Three users: an admin (groups qinferd and qinferd-admin, both supplementary, added with docs/INSTALL.md's own
    # `usermod -aG` line), a user (qinferd only: may connect, may not change models) and an outsider (neither: may not
    # even connect, the socket is 0660 root:qinferd).
    inside useradd -M e2e-admin
    inside usermod -aG qinferd,qinferd-admin e2e-admin
    inside useradd -M -G qinferd e2e-user
    inside useradd -M e2e-outsider
    local push=(-H 'content-type: application/octet-stream' --data-binary "@$srv/irnet.qpack")

    local name="PUT /v1/models/irnet by a user in qinferd but not qinferd-admin is 403 forbidden"
    http e2e-user PUT "/v1/models/irnet?version=e2e&activate=1" "${push[@]}"
    if [ "$http_status" = 403 ] && [ "$(json_eval 'j["error"]["code"]' <<<"$http_body" 2>/dev/null)" = forbidden ]; then
        pass "$name" "$http_status $http_body"
    else
        fail "$name" "expected 403 forbidden" "$http_status $http_body"
    fi

    name="a user in neither group cannot connect to the socket"
    http e2e-outsider GET /v1/health
    local denied
    denied=$(inside runuser -u e2e-outsider -- sh -c "test -r $api_socket -o -w $api_socket && echo readable || echo 'no read or write permission'")
    if [ "$http_status" = 000 ] && [ "$denied" = "no read or write permission" ]; then
        pass "$name" "$(head -n 1 <<<"$http_body") ($denied on $api_socket)"
    else
        fail "$name" "expected the connection to be refused" "$(echo "$http_status $http_body"; echo "access: $denied")"
    fi

    name="PUT /v1/models/irnet?version=e2e by a member of qinferd-admin is stored, activated and served"
    http e2e-admin PUT "/v1/models/irnet?version=e2e&activate=1" "${push[@]}"
    local put_status=$http_status put_body=$http_body versions
    versions=$(irnet_versions)
    infer e2e-user irnet irnet.npy
    if [ "$put_status" = 201 ] && [ "$versions" = "('e2e', ['store'])" ] && [ "$http_status" = 200 ] &&
        [ "$(json_eval 'j["version"]' <<<"$http_body" 2>/dev/null)" = e2e ] && [ "$(top_label)" = "${expected_labels[irnet]}" ]; then
        pass "$name" "201, e2e active from the store, e2e-user's inference on it: $(top_label)"
    else
        fail "$name" "expected 201, then version e2e active and served" \
            "$(echo "PUT as e2e-admin ($(inside id e2e-admin)): $put_status $put_body"
               echo "GET /v1/models/irnet → (active, sources): $versions"; echo "infer: $http_status $http_body")"
    fi

    # The checks after this one are about a stored model (who may read it, the watchdog restart, stop, remove,
    # reinstall). Root is always an admin, so when the push above failed they still get one, and test their own claims.
    if ! inside test -f "$store_file"; then
        http "" PUT "/v1/models/irnet?version=e2e&activate=1" "${push[@]}"
        note "pushed irnet e2e as root for the checks that follow: $http_status"
    fi

    # qinferd.service: "The model store stays private to the daemon's user and group (the group is how admins read
    # it)". What counts is who can read the file, whatever the modes that get there (StateDirectoryMode=, UMask=, the
    # daemon's own chmod), so it is asked of the users themselves.
    name="the stored model is owned by qinferd, readable by group qinferd and by no one else"
    local stored owner_group member outsider
    stored=$(inside stat -c '%U:%G %a' "$store_file" "$(dirname "$store_file")" /var/lib/qinferd 2>&1 | paste -sd' ')
    owner_group=$(inside stat -c '%U:%G' "$store_file" 2>&1)
    member=$(inside runuser -u e2e-user -- cat "$store_file" 2>&1 | cmp -s - "$rootfs$srv/irnet.qpack" && echo read || echo "not read")
    outsider=$(inside runuser -u e2e-outsider -- cat "$store_file" 2>&1 >/dev/null | head -n 1)
    if [ "$owner_group" = qinferd:qinferd ] && [ "$member" = read ] && [[ $outsider == *"Permission denied"* ]]; then
        pass "$name" "e2e-user (group qinferd) reads it, e2e-outsider: $outsider; modes (file, models/irnet, store): $stored"
    else
        fail "$name" "expected qinferd:qinferd, readable for the group only" \
            "$(echo "modes (file, models/irnet, store): $stored"; echo "e2e-user: $member"; echo "e2e-outsider: ${outsider:-read it}")"
    fi
}

check_watchdog() {
    local name="the watchdog restarts a qinferd that stops answering (SIGSTOP)"
    local pid restarts budget=0 started elapsed new before after property span
    pid=$(main_pid)
    restarts=$(unit_property qinferd.service NRestarts)
    before=$(irnet_versions)
    # Worst case: no ping for WatchdogSec, then SIGABRT (with SIGCONT, so a stopped process gets it) and up to
    # TimeoutAbortSec before SIGKILL, then RestartSec; plus slack for a slow machine.
    for property in WatchdogUSec TimeoutAbortUSec RestartUSec; do
        span=$(inside systemd-analyze timespan "$(unit_property qinferd.service "$property")" | sed -n 's/^ *μs: *//p')
        budget=$((budget + ${span:-60000000} / 1000000))
    done
    budget=$((budget + 15))
    started=$(now)
    inside bash -c "kill -STOP $pid"
    restarted() { new=$(main_pid); [ "$new" != 0 ] && [ "$new" != "$pid" ] && service_running; }
    if ! wait_until "$budget" restarted; then
        fail "$name" "MainPID still $(main_pid) after ${budget}s" "$(service_evidence)"
        inside bash -c "kill -CONT $pid"
        return
    fi
    elapsed=$(seconds_since "$started")
    after=$(irnet_versions)
    if [ "$(unit_property qinferd.service NRestarts)" = $((restarts + 1)) ] &&
        inside journalctl --no-pager -u qinferd.service -o cat | grep -qF "Watchdog timeout" && [ "$after" = "$before" ]; then
        pass "$name" "MainPID $pid → $new after ${elapsed}s (budget ${budget}s), NRestarts $restarts → $((restarts + 1)), irnet $after as before"
    else
        fail "$name" "restarted, but not by the watchdog, or not serving what it served before" \
            "$(echo "NRestarts: $restarts → $(unit_property qinferd.service NRestarts)"; echo "irnet before: $before, after: $after"
               inside journalctl --no-pager -u qinferd.service -o cat | grep -iE 'watchdog|abort|restart'; service_evidence)"
    fi
}

# The test starts qinferd.service far more often than anything real would (watchdog restart, burst, stop, reinstall
# within seconds); systemd's start limit (5 starts in 10 s) would then fail qinferd.socket with
# service-start-limit-hit. reset-failed also resets that counter, and is all it does to a unit that has not failed.
reset_start_limit() { inside systemctl reset-failed qinferd.service qinferd.socket 2>/dev/null; }

check_stop() {
    local name pid invocation stop_rc codes ok200 systemd_lines
    reset_start_limit
    pid=$(main_pid)
    invocation=$(unit_property qinferd.service InvocationID)
    # 32 inferences in parallel, and `systemctl stop` 50 ms into them: the stop lands while some are queued or running
    # (how many depends on timing; the journal's "stopped after N request(s)" says what the stopping instance
    # answered). Requests that connect after qinferd closed its listener wait in qinferd.socket's backlog and are
    # answered by the instance the socket starts next. One line per request: HTTP status (000: none), curl's exit
    # code and error message.
    inside bash -c "
        for i in \$(seq 32); do
            curl -s -o /dev/null -w '%{http_code} %{exitcode} %{errormsg}\n' --max-time 60 --unix-socket $api_socket \\
                -H 'content-type: application/x-npy' --data-binary @$srv/irnet.npy \\
                http://localhost/v1/models/irnet/infer >>$srv/burst.txt &
        done
        sleep 0.05
        systemctl stop qinferd.service 2>/dev/null
        echo \$? >$srv/stop.rc
        wait"
    stop_rc=$(cat "$rootfs$srv/stop.rc" 2>/dev/null)
    codes=$(sort "$rootfs$srv/burst.txt" 2>/dev/null | uniq -c | sed 's/^ *//; s/ 0 *$//' | paste -sd, - | sed 's/,/, /g')
    ok200=$(grep -cx '200 0 *' "$rootfs$srv/burst.txt" 2>/dev/null)

    name="systemctl stop drains: qinferd exits 0 on its own and says so"
    # The stopped instance is judged from the journal, since late connections of the burst may have had the socket
    # start a new one already (which resets the unit's Result and ExecMain* properties). PID 1 logs, for that
    # invocation, "Deactivated successfully." only for Result=success, and "Main process exited, …" at the default
    # level only for an exit that is not clean: a non-zero status, or death by a signal such as the SIGKILL after
    # TimeoutStopSec. qinferd's own "stopped after N request(s)" is its last line before exit(0), after the drain.
    systemd_lines=$(inside journalctl --no-pager -o cat _PID=1 UNIT=qinferd.service "INVOCATION_ID=$invocation")
    if [ "$stop_rc" = 0 ] && grep -qF "Deactivated successfully." <<<"$systemd_lines" &&
        ! grep -qF "Main process exited" <<<"$systemd_lines" &&
        wait_until 5 journal_has "$invocation" "draining" && wait_until 5 journal_has "$invocation" "stopped after"; then
        pass "$name" "qinferd: $(journal_lines "$invocation" 'draining|stopped after'); systemd: $(grep -F Deactivated <<<"$systemd_lines")"
    else
        fail "$name" "expected systemctl stop to succeed and a clean exit after the drain" \
            "$(echo "systemctl stop: exit $stop_rc (pid $pid)"; echo "qinferd: $(journal_lines "$invocation" 'draining|stopped|unanswered')"
               echo "systemd, this invocation:"; echo "$systemd_lines"; service_evidence)"
    fi

    name="no request of a burst of 32 is lost across that stop (every one answered 200)"
    if [ "$ok200" = 32 ]; then
        pass "$name" "answers: $codes"
    else
        fail "$name" "a client got no answer (curl exit 55/56: qinferd accepted the connection and closed it while the request was being sent or awaited; 52: empty reply; 7: no connection)" \
            "$(echo "answers: $codes"; echo "qinferd: $(journal_lines "$invocation" 'draining|stopped|unanswered')")"
    fi

    name="after a stop the socket still listens and the next connection starts qinferd again"
    # Late connections of the burst may have started it already: stopped again first, idle this time.
    inside systemctl stop qinferd.service 2>/dev/null
    local before
    before=$(unit_property qinferd.service ActiveState)
    infer "" irnet irnet.npy
    if [ "$before" = inactive ] && [ "$http_status" = 200 ] && [ "$(top_label)" = "${expected_labels[irnet]}" ] &&
        [ "$(unit_property qinferd.service ActiveState)" = active ]; then
        pass "$name" "POST /v1/models/irnet/infer $http_status ($(top_label), version $(json_eval 'j["version"]' <<<"$http_body")), new MainPID $(main_pid)"
    else
        fail "$name" "the socket did not start the service" "$(echo "before: $before"; echo "$http_status $http_body"; service_evidence)"
    fi
}

check_remove_reinstall_purge() {
    reset_start_limit
    local name="apt remove stops qinferd and keeps the model store and the configuration"
    local rc=0 state
    inside --timeout=180 apt-get remove -y qinferd >"$run/apt-remove.log" 2>&1 || rc=$?
    state="service $(inside systemctl is-active qinferd.service), socket $(inside systemctl is-active qinferd.socket)"
    if [ "$rc" = 0 ] && [ "$state" = "service inactive, socket inactive" ] && inside test -f "$store_file" &&
        inside test -f /etc/qinferd/qinferd.toml && ! inside test -e /usr/bin/qinferd; then
        pass "$name" "$state; $store_file and /etc/qinferd/qinferd.toml kept, /usr/bin/qinferd gone"
    else
        fail "$name" "expected the units stopped, the store and config kept, the binary gone" \
            "$(echo "apt-get remove: $rc; $state"; inside ls -lR /var/lib/qinferd /etc/qinferd 2>&1; tail -n 20 "$run/apt-remove.log")"
    fi

    name="apt install again: the socket listens and the stored model is served as before"
    local versions
    rc=0
    inside --timeout=300 apt-get install -y --no-install-recommends "$srv/$deb_name" >"$run/apt-reinstall.log" 2>&1 || rc=$?
    versions=$(irnet_versions)
    if [ "$rc" = 0 ] && [ "$versions" = "('e2e', ['store'])" ]; then
        pass "$name" "GET /v1/models/irnet → (active, sources) $versions"
    else
        fail "$name" "expected the pushed version e2e active" \
            "$(echo "apt-get install: $rc"; tail -n 20 "$run/apt-reinstall.log"; echo "GET /v1/models/irnet → $versions"; service_evidence)"
    fi

    name="apt purge removes the model store, the configuration and the units"
    local load
    rc=0
    inside --timeout=180 apt-get purge -y qinferd >"$run/apt-purge.log" 2>&1 || rc=$?
    load=$(unit_property qinferd.service LoadState)
    if [ "$rc" = 0 ] && ! inside test -e /var/lib/qinferd && ! inside test -e /etc/qinferd && [ "$load" = not-found ] &&
        ! inside dpkg-query -W qinferd >/dev/null 2>&1; then
        pass "$name" "/var/lib/qinferd and /etc/qinferd gone, qinferd.service LoadState=$load, dpkg knows no qinferd"
    else
        fail "$name" "expected no /var/lib/qinferd, no /etc/qinferd, no unit, no package" \
            "$(echo "apt-get purge: $rc; qinferd.service LoadState=$load"; inside ls -la /var/lib/qinferd /etc/qinferd 2>&1
               inside dpkg-query -W qinferd 2>&1; tail -n 20 "$run/apt-purge.log")"
    fi
}
