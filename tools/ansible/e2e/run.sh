#!/usr/bin/env bash
# The fleet end-to-end test: three "boards", each Debian bookworm's systemd 252 booted as PID 1 of its own rootfs
# (tools/systemd/e2e/boot.sh), all in one private network namespace where board N's OpenSSH server listens on
# 127.0.0.(N+1):22 only. From the host, in that namespace:
#   - the Ansible role (tools/ansible) installs the .debs on the three boards, writes qinferd.toml, trusts a signing
#     key and rolls a signed model out with verification; board3 gets a model that answers wrong: qinfer rolls it
#     back there, the others keep the new version, the play reports board3 failed; a second run changes nothing;
#   - the workstation's qinfer (from the qinfer .deb) pushes to board1 over ssh (`--host ssh://…`, `dial-stdio` on
#     the board): an admin account's signed push verifies, a wrong model is rolled back, unsigned / unknown-key /
#     tampered files are refused, a non-admin account gets 403, and an upload whose ssh client is killed midway
#     leaves the store as it was.
#   tools/ansible/e2e/run.sh       (root; make test-fleet runs it)
# Board2 gets make tree's tarball instead of the .debs (the role's path for boards without dpkg).
# Environment: QINFERD_E2E_DEB_DIR (where make deb put qinferd_*.deb and qinfer_*.deb; default .build/deb),
# QINFERD_E2E_TREE_DIR (where make tree put qinferd-*-linux-*.tar.gz; default .build/tree),
# QINFERD_E2E_KEEP=1 keeps the run's directory under .build/fleet-e2e, QINFERD_E2E_TIMEOUT as in tools/systemd/e2e.
set -euo pipefail
exec </dev/null

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
e2e="$repo/tools/systemd/e2e"
# shellcheck source=../../systemd/e2e/lib.sh
source "$e2e/lib.sh"
run_start=$(now)

if [ "$(id -u)" != 0 ]; then
    echo "test-fleet: needs root (namespaces, mounts, cgroups, apt inside the boards)" >&2
    exit 1
fi
for tool in mmdebstrap unshare nsenter setpriv pgrep findmnt timeout dpkg-deb python3 ip ssh ssh-keygen; do
    command -v "$tool" >/dev/null || { echo "test-fleet: $tool not found (make test-deps installs what is missing)" >&2; exit 1; }
done
playbook="$repo/.venv/bin/ansible-playbook"
venv_python="$repo/.venv/bin/python"
[ -x "$playbook" ] || { echo "test-fleet: $playbook not found (make python-deps installs tools/ansible/requirements.txt)" >&2; exit 1; }
cgroup_root=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[ -n "$cgroup_root" ] || { echo "test-fleet: no cgroup2 hierarchy is mounted" >&2; exit 1; }

work="$repo/.build/fleet-e2e"
mkdir -p "$work"
start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
# Runs killed by SIGKILL leave their directory (their namespaces died with them): removed once nothing is mounted
# under it and their cgroups are empty.
for old in "$work"/run.*; do
    [ -d "$old" ] || continue
    owner="" started=""
    if [ -f "$old/owner" ]; then
        read -r owner started <"$old/owner" || true
        if [ "$(start_time "$owner")" = "$started" ]; then continue; fi
    elif [ -z "$(find "$old" -maxdepth 0 -mmin +10)" ]; then
        continue
    fi
    busy=0
    for cg in "$cgroup_root/qinferd-fleet-${old##*/run.}"-*; do
        [ -d "$cg" ] || continue
        if find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; then busy=1; continue; fi
        find "$cg" -depth -type d -exec rmdir {} + || busy=1
    done
    if [ "$busy" = 1 ] || findmnt -rn -o TARGET | grep -qF "$old"; then continue; fi
    echo "removing $old, left by a run that was killed"
    rm -rf --one-file-system "$old"
done
run=$(mktemp -d "$work/run.XXXXXX")
echo "$$ $(start_time $$)" >"$run/owner"
boards=(1 2 3)
declare -A launchers pids cgroups
netns_holder=""
torn_down=0
board_address() { echo "127.0.0.$(($1 + 1))"; }
srv=/srv/qinferd-fleet

# lib.sh's `inside` runs in the namespaces of $pid1; this picks the board first.
on_board() { # board number, command…
    local pid1=${pids[$1]}
    shift
    inside "$@"
}

teardown() {
    [ "$torn_down" = 0 ] || return 0
    torn_down=1
    local problems=0 n
    for n in "${!pids[@]}"; do
        if ! process_gone "${pids[$n]}"; then kill -9 "${pids[$n]}"; fi
    done
    for n in "${!launchers[@]}"; do
        if ! wait_until 20 process_gone "${launchers[$n]}"; then
            kill -9 "${launchers[$n]}" 2>/dev/null || true
            wait_until 5 process_gone "${launchers[$n]}" || { echo "cleanup: board$n's unshare survives SIGKILL"; problems=1; }
        fi
        wait "${launchers[$n]}" 2>/dev/null || true
    done
    if [ -n "$netns_holder" ]; then
        kill -9 "$netns_holder" 2>/dev/null || true
        wait "$netns_holder" 2>/dev/null || true
    fi
    for n in "${!cgroups[@]}"; do
        local cg=${cgroups[$n]}
        [ -d "$cg" ] || continue
        cgroup_empty() { ! find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; }
        if wait_until 20 cgroup_empty; then
            find "$cg" -depth -type d -exec rmdir {} + || problems=1
        else
            echo "cleanup: processes still in $cg"
            problems=1
        fi
    done
    remove_run_dir "$run" || problems=1
    return "$problems"
}
trap 'finish_run test-fleet' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "packages"
arch=$(dpkg --print-architecture)
deb_dir=${QINFERD_E2E_DEB_DIR:-.build/deb}
case "$deb_dir" in /*) ;; *) deb_dir="$repo/$deb_dir" ;; esac
server_deb=$(ls -t "$deb_dir"/qinferd_*_"$arch".deb 2>/dev/null | head -n 1 || true)
client_deb=$(ls -t "$deb_dir"/qinfer_*_"$arch".deb 2>/dev/null | head -n 1 || true)
if [ -z "$server_deb" ] || [ -z "$client_deb" ]; then
    echo "test-fleet: no qinferd_*_$arch.deb and qinfer_*_$arch.deb in $deb_dir (make deb)" >&2
    exit 1
fi
version=$(dpkg-deb -f "$server_deb" Version)
tree_dir=${QINFERD_E2E_TREE_DIR:-.build/tree}
case "$tree_dir" in /*) ;; *) tree_dir="$repo/$tree_dir" ;; esac
tree="$tree_dir/qinferd-$version-linux-$(uname -m).tar.gz"
[ -f "$tree" ] || { echo "test-fleet: no $tree (make tree)" >&2; exit 1; }
[ "$(dpkg-deb -f "$client_deb" Version)" = "$version" ] || { echo "test-fleet: $server_deb and $client_deb differ in version" >&2; exit 1; }
depends=$(for deb in "$server_deb" "$client_deb"; do for field in Pre-Depends Depends; do dpkg-deb -f "$deb" "$field"; done; done |
    tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ' ')
# The workstation's client is the packaged one, unpacked (not installed) on the host.
dpkg-deb -x "$client_deb" "$run/workstation"
qinfer="$run/workstation/usr/bin/qinfer"
note "${server_deb##*/}, ${client_deb##*/}; the workstation's client unpacked from the second"

phase "keys and models"
home="$run/home"
install -d -m 0700 "$home" "$home/.ssh"
ssh-keygen -q -t ed25519 -N '' -C fleet-e2e-workstation -f "$home/.ssh/id_ed25519"
ssh_config="$home/.ssh/config"
cat >"$ssh_config" <<EOF
Host *
    IdentityFile $home/.ssh/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $home/.ssh/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 10
    ControlMaster no
EOF
keys="$run/keys"
models="$run/models"
mkdir -p "$keys" "$models"
"$qinfer" keygen "$keys/release" >/dev/null
"$qinfer" keygen "$keys/stranger" >/dev/null
sample_label=$(python3 "$e2e/npy_sample.py" "$repo/models/irnet/testset_images.npy" "$repo/models/irnet/testset_labels.npy" \
    "$repo/models/irnet/labels.txt" 9 "$models/check.npy")
"$venv_python" "$here/skew_model.py" "$repo/models/irnet/irnet.onnx" "$run/skewed.onnx" 0
pack() { # onnx, version, out
    "$qinfer" pack "$1" --version "$2" --strict -o "$3" >/dev/null
}
pack "$repo/models/irnet/irnet.onnx" 2 "$models/irnet-2.qpack"
pack "$run/skewed.onnx" 2 "$models/irnet-2-skewed.qpack"
pack "$repo/models/irnet/irnet.onnx" 3 "$models/irnet-3.qpack"
pack "$run/skewed.onnx" 4 "$models/irnet-4-skewed.qpack"
pack "$repo/models/irnet/irnet.onnx" 5 "$models/irnet-5-unsigned.qpack"
pack "$repo/models/irnet/irnet.onnx" 6 "$models/irnet-6-stranger.qpack"
pack "$repo/models/irnet/irnet.onnx" 7 "$models/irnet-7-tampered.qpack"
for m in irnet-2 irnet-2-skewed irnet-3 irnet-4-skewed irnet-7-tampered; do "$qinfer" sign "$models/$m.qpack" --key "$keys/release" >/dev/null; done
"$qinfer" sign "$models/irnet-6-stranger.qpack" --key "$keys/stranger" >/dev/null
# One byte of the signed file's tensor data flipped, as a bad disk or a man in the middle would.
python3 - "$models/irnet-7-tampered.qpack" <<'EOF'
import sys
path = sys.argv[1]
blob = bytearray(open(path, "rb").read())
blob[len(blob) // 2] ^= 0x01
open(path, "wb").write(bytes(blob))
EOF
note "check input: test-set image 9 ($sample_label); signing keys release (trusted) and stranger (not)"

phase "boards"
setpriv --pdeathsig KILL unshare --net -- sleep 100000 &
netns_holder=$!
netns_ready() { [ "$(readlink "/proc/$netns_holder/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]; }
wait_until 5 netns_ready || { echo "test-fleet: the network namespace holder did not start" >&2; exit 1; }
netns="/proc/$netns_holder/ns/net"
nsenter "--net=$netns" ip link set lo up
in_netns() { nsenter "--net=$netns" -- "$@"; }

# shellcheck disable=SC2086 # one argument per package
tarball=$("$e2e/rootfs.sh" $depends)
: >"$home/.ssh/known_hosts"
for n in "${boards[@]}"; do
    rootfs="$run/board$n"
    mkdir "$rootfs"
    tar -xf "$tarball" -C "$rootfs"
    echo "board$n" >"$rootfs/etc/hostname"
    for unit in console-getty.service apt-daily.timer apt-daily-upgrade.timer; do ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"; done
    # Throwaway host keys per board and run (the tarball's would be shared by every board and every run).
    rm -f "$rootfs"/etc/ssh/ssh_host_*
    ssh-keygen -q -t ed25519 -N '' -C "board$n" -f "$rootfs/etc/ssh/ssh_host_ed25519_key"
    echo "$(board_address "$n") $(cut -d' ' -f1,2 "$rootfs/etc/ssh/ssh_host_ed25519_key.pub")" >>"$home/.ssh/known_hosts"
    cat >"$rootfs/etc/ssh/sshd_config.d/fleet-e2e.conf" <<EOF
ListenAddress $(board_address "$n")
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
    install -d -m 0700 "$rootfs/root/.ssh"
    install -m 0600 "$home/.ssh/id_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"
    install -d -m 0755 "$rootfs$srv"
    install -m 0644 "$models"/*.qpack "$models/check.npy" "$rootfs$srv/"
    cgroups[$n]="$cgroup_root/qinferd-fleet-${run##*/run.}-board$n"
    mkdir "${cgroups[$n]}"
    QINFERD_E2E_NETNS=$netns bash "$e2e/boot.sh" "$rootfs" "${cgroups[$n]}" >"$run/board$n.boot.log" 2>&1 &
    launchers[$n]=$!
done
for n in "${boards[@]}"; do
    find_pid() { pids[$n]=$(pgrep -P "${launchers[$n]}" || true); [ -n "${pids[$n]}" ] && [ "$(cat "/proc/${pids[$n]}/comm" 2>/dev/null)" = systemd ]; }
    if ! wait_until 15 find_pid; then
        fail "board$n boots" "no systemd under unshare (${launchers[$n]}) after 15 s" "$(cat "$run/board$n.boot.log")"
        exit 1
    fi
done
ssh_to() { in_netns ssh -F "$ssh_config" "$@"; }
for n in "${boards[@]}"; do
    state=""
    board_up() {
        state=$(on_board "$n" --timeout=10 systemctl is-system-running 2>/dev/null || true)
        [ "$state" = running ] || [ "$state" = degraded ]
    }
    reachable() { ssh_to "root@$(board_address "$n")" true 2>/dev/null; }
    if wait_until 90 board_up && wait_until 30 reachable; then
        pass "board$n boots systemd and answers ssh on $(board_address "$n")" "state $state"
    else
        fail "board$n boots systemd and answers ssh on $(board_address "$n")" "state '$state'" \
            "$(cat "$run/board$n.boot.log"; on_board "$n" systemctl --failed --no-pager 2>&1; on_board "$n" journalctl -u ssh --no-pager -n 20 2>&1)"
        exit 1
    fi
done
# Accounts on board1 for the ssh pushes: one the role makes an admin, one that may only use the socket.
for user in e2e-admin e2e-viewer; do
    on_board 1 useradd -m -s /bin/bash "$user"
    on_board 1 install -d -m 0700 -o "$user" -g "$user" "/home/$user/.ssh"
    on_board 1 install -m 0600 -o "$user" -g "$user" /root/.ssh/authorized_keys "/home/$user/.ssh/authorized_keys"
done

phase "rollout with the Ansible role"
name="the example inventory groups boards by board config and site.yml passes ansible's syntax check"
listed=$(ANSIBLE_CONFIG="$repo/tools/ansible/ansible.cfg" HOME="$home" "$repo/.venv/bin/ansible-inventory" \
    -i "$repo/tools/ansible/inventory.example.yml" --graph 2>&1 || true)
syntax=$(ANSIBLE_CONFIG="$repo/tools/ansible/ansible.cfg" HOME="$home" "$playbook" --syntax-check \
    -i "$repo/tools/ansible/inventory.example.yml" "$repo/tools/ansible/site.yml" 2>&1) && syntax_status=0 || syntax_status=$?
if [ "$syntax_status" = 0 ] && grep -q "@rpi5:" <<<"$listed" && grep -q "@jetson_orin_nano:" <<<"$listed" &&
    grep -q "agv-07.example.net" <<<"$listed"; then
    pass "$name" "$(grep -c 'example.net' <<<"$listed") boards in $(grep -c '|--@' <<<"$listed") groups"
else
    fail "$name" "ansible-inventory or --syntax-check failed" "$(echo "$listed"; echo "$syntax")"
fi

inventory="$run/inventory.yml"
cat >"$inventory" <<EOF
qinferd_boards:
  vars:
    ansible_user: root
    ansible_become: false
    ansible_ssh_common_args: "-F $ssh_config"
    qinferd_deb_dir: "$deb_dir"
    qinferd_version: "$version"
    qinferd_board: generic-x86
    qinferd_settings: {workers: 1, log_level: info}
    qinferd_trusted_keys: ["$keys/release.pub"]
    qinferd_admin_users: [e2e-admin]
    qinferd_models:
      - {file: "$models/irnet-2.qpack", verify_input: "$models/check.npy", expect: "$sample_label"}
  hosts:
    board1: {ansible_host: 127.0.0.2}
    board2:
      ansible_host: 127.0.0.3
      # No dpkg here, as far as the role knows: make tree's files unpacked at /.
      qinferd_install: tree
      qinferd_tree_dir: "$tree_dir"
    board3:
      ansible_host: 127.0.0.4
      # A model that packs, signs and loads like the others but answers wrong: the check must catch it here.
      qinferd_models:
        - {file: "$models/irnet-2-skewed.qpack", verify_input: "$models/check.npy", expect: "$sample_label"}
EOF
play() { # log file, extra ansible-playbook arguments…
    local log=$1
    shift
    set +e
    timeout -k 10 600 nsenter "--net=$netns" -- env ANSIBLE_CONFIG="$repo/tools/ansible/ansible.cfg" HOME="$home" \
        ANSIBLE_LOCAL_TEMP="$run/ansible-local" ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 \
        "$playbook" -i "$inventory" "$repo/tools/ansible/site.yml" "$@" >"$log" 2>&1
    local status=$?
    set -e
    return "$status"
}
recap() { grep -E "^$1 +:" "$2" | tr -s ' ' || echo "(no recap line for $1)"; }
active_irnet() { # board → "ACTIVE VERSION:SOURCE,…" of irnet there, e.g. "2 2:store"
    on_board "$1" qinfer models --json 2>/dev/null | json_eval 'next((str(m["active_version"]) + " " + ",".join("%s:%s" % (v["version"], v["source"]) for v in m["versions"]) for m in j["models"] if m["name"] == "irnet"), "no irnet")' 2>/dev/null ||
        echo "(no answer)"
}
play_status=0
# Batches [board1] (the canary), then [board2, board3]: one of two failing is within max_fail_percentage 50, so the
# play goes on to its report.
play "$run/play1.log" -e '{"qinferd_serial": [1, 2]}' || play_status=$?
name="the play installs, configures and rolls irnet v2 out; board3's wrong model is rolled back and the play reports it"
b1=$(active_irnet 1) b2=$(active_irnet 2) b3=$(active_irnet 3)
if [ "$play_status" = 2 ] && grep -q "failed=0" <<<"$(recap board1 "$run/play1.log")" &&
    grep -q "failed=0" <<<"$(recap board2 "$run/play1.log")" && grep -q "failed=1" <<<"$(recap board3 "$run/play1.log")" &&
    grep -q "failed verification on board3 and was" "$run/play1.log" &&
    [ "${b1%% *}" = 2 ] && [ "${b2%% *}" = 2 ] && [ "${b3%% *}" = 1 ] && ! grep -q "2:store" <<<"$b3"; then
    pass "$name" "exit 2; board1 $b1 · board2 $b2 · board3 $b3"
else
    fail "$name" "expected exit 2, boards 1-2 on v2 from the store, board3 back on the shipped v1" \
        "$(echo "exit $play_status; board1 $b1; board2 $b2; board3 $b3"; grep -E "^(board|localhost)" "$run/play1.log"; tail -n 60 "$run/play1.log")"
fi

name="the play's report names each board's outcome"
if grep -q "board1: .*'outcome': 'verified'" "$run/play1.log" && grep -q "board3: .*'outcome': 'rolled_back'" "$run/play1.log"; then
    pass "$name" "$(grep -oE "board[0-9]: .*'outcome': '[a-z_]+'" "$run/play1.log" | sed -E "s/: .*'outcome': / /" | paste -sd' ')"
else
    fail "$name" "no per-board outcome lines" "$(grep -A3 "Outcome per board" "$run/play1.log" | head -n 30)"
fi

name="boards 1 and 3 run the packages, board2 the install tree; all the templated config and exactly the listed key"
problems=""
for n in "${boards[@]}"; do
    pkg=$(on_board "$n" dpkg-query -W -f '${Version} ' qinferd qinfer 2>&1 || true)
    served=$(on_board "$n" qinfer health 2>&1 || true)
    conf=$(on_board "$n" cat /etc/qinferd/qinferd.toml 2>&1 || true)
    trusted=$(on_board "$n" ls /etc/qinferd/trusted-keys.d 2>&1 || true)
    if [ "$n" = 2 ]; then
        grep -q "no packages found" <<<"$pkg" || problems+="board2 has packages: '$pkg'; "
    else
        [ "$pkg" = "$version $version " ] || problems+="board$n packages: '$pkg'; "
    fi
    grep -q "qinferd $version " <<<"$served" || problems+="board$n qinferd: '$served'; "
    grep -q '^require_signature = "auto"' <<<"$conf" && grep -q '^workers = 1' <<<"$conf" || problems+="board$n config: $(tr '\n' '|' <<<"$conf"); "
    [ "$trusted" = release.pub ] || problems+="board$n trusted keys: '$trusted'; "
done
if [ -z "$problems" ]; then pass "$name" "qinferd $version serving, require_signature auto, release.pub"; else fail "$name" "$problems"; fi

play_status=0
play "$run/play2.log" --limit board1:board2:localhost || play_status=$?
name="a second run on the boards that took v2 changes nothing"
if [ "$play_status" = 0 ] && grep -q "changed=0" <<<"$(recap board1 "$run/play2.log")" &&
    grep -q "changed=0" <<<"$(recap board2 "$run/play2.log")" && grep -q "'outcome': 'unchanged'" "$run/play2.log"; then
    pass "$name" "$(recap board1 "$run/play2.log")"
else
    fail "$name" "expected exit 0 and changed=0" "$(echo "exit $play_status"; grep -E "^(board|changed:)" "$run/play2.log"; tail -n 30 "$run/play2.log")"
fi

phase "pushes over ssh"
# The workstation: the packaged qinfer, reaching board1 with the OpenSSH client and this run's ssh config.
remote() { # user, qinfer arguments… → sets out (stdout and stderr) and status
    set +e
    out=$(in_netns env QINFER_SSH_OPTIONS="-F $ssh_config" "$qinfer" --host "ssh://$1@127.0.0.2" "${@:2}" 2>&1)
    status=$?
    set -e
}
board1_active() { active_irnet 1; }
# The viewer may use the socket (group qinferd) but is not in qinferd-admin, so a push reaches the daemon and gets 403.
on_board 1 usermod -aG qinferd e2e-viewer

remote e2e-viewer health
name="qinfer --host ssh://e2e-viewer@board1 health answers through dial-stdio"
if [ "$status" = 0 ]; then pass "$name" "$(head -n 1 <<<"$out")"; else fail "$name" "exit $status" "$out"; fi

remote e2e-viewer push "$models/irnet-3.qpack"
name="a push by an account outside qinferd-admin is refused 403 (the board's groups decide, through SO_PEERCRED)"
if [ "$status" = 1 ] && grep -qi "forbidden\|403" <<<"$out"; then pass "$name" "$(tail -n 1 <<<"$out")"; else fail "$name" "exit $status" "$out"; fi

before=$(board1_active)
for case in "irnet-5-unsigned:signature_required" "irnet-6-stranger:untrusted_key" "irnet-7-tampered:checksum"; do
    file=${case%%:*} why=${case#*:}
    # --name: the daemon judges the file (without it, qinfer reads the name from the file and refuses a bad one itself).
    remote e2e-admin push "$models/$file.qpack" --name irnet
    name="an admin's push of $file is refused by board1's qinferd ($why) and the store is unchanged"
    if [ "$status" = 1 ] && grep -qi "$why" <<<"$out" && [ "$(board1_active)" = "$before" ]; then
        pass "$name" "$(tail -n 1 <<<"$out")"
    else
        fail "$name" "exit $status, store now $(board1_active) (was $before)" "$out"
    fi
done
admin_uid=$(on_board 1 id -u e2e-admin)
name="the refusals are in board1's journal with the pushing account's uid"
refusals=$(on_board 1 journalctl -u qinferd --no-pager -o json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    if entry.get("PEER_UID") == sys.argv[1] and entry.get("CODE") in ("signature_required", "untrusted_key"):
        print(entry["CODE"], entry.get("MESSAGE", ""))' "$admin_uid" || true)
if grep -q "^signature_required" <<<"$refusals" && grep -q "^untrusted_key" <<<"$refusals"; then
    pass "$name" "PEER_UID=$admin_uid: $(cut -c1-100 <<<"$refusals" | paste -sd'|' | sed 's/|/ · /g')"
else
    fail "$name" "expected CODE=signature_required and CODE=untrusted_key entries with PEER_UID=$admin_uid" \
        "$(on_board 1 journalctl -u qinferd --no-pager -n 20 -o cat 2>&1)"
fi

remote e2e-admin push "$models/irnet-3.qpack" --activate --verify "$models/check.npy" --expect "$sample_label"
name="an admin's signed push with --verify activates v3, checks it and keeps it"
if [ "$status" = 0 ] && grep -q "sha256" <<<"$out" && grep -qi "verified" <<<"$out" && [ "$(board1_active | cut -d' ' -f1)" = 3 ]; then
    pass "$name" "$(paste -sd' ' <<<"$out")"
else
    fail "$name" "exit $status, active $(board1_active)" "$out"
fi

remote e2e-admin push "$models/irnet-4-skewed.qpack" --activate --verify "$models/check.npy" --expect "$sample_label"
name="a signed push whose check answers wrong exits 3 and is rolled back to v3"
if [ "$status" = 3 ] && grep -qi "rolled back" <<<"$out" && [ "$(board1_active | cut -d' ' -f1)" = 3 ]; then
    pass "$name" "$(paste -sd' ' <<<"$out")"
else
    fail "$name" "exit $status, active $(board1_active)" "$out"
fi

name="an upload whose ssh client is killed midway leaves the store as it was"
before=$(board1_active)
{
    printf 'PUT /v1/models/irnet?version=9&activate=1 HTTP/1.1\r\nHost: qinferd\r\nContent-Type: application/octet-stream\r\nContent-Length: 50000000\r\n\r\n'
    head -c 2000000 /dev/zero
    sleep 30
} | in_netns ssh -F "$ssh_config" e2e-admin@127.0.0.2 qinfer dial-stdio >/dev/null 2>&1 &
ssh_client=$!
# 2 MB of the 50 MB body cross loopback ssh in milliseconds; then the client dies mid-body.
sleep 1.5
kill "$ssh_client" 2>/dev/null || true
wait "$ssh_client" 2>/dev/null || true
leftovers() { on_board 1 sh -c 'ls -A /var/lib/qinferd/models/irnet | grep "^\." || true'; }
settled() { [ -z "$(leftovers)" ]; }
wait_until 10 settled || true
health=$(on_board 1 curl -sS --max-time 10 --unix-socket /run/qinferd/qinferd.sock http://localhost/v1/health 2>&1 || true)
if [ "$(board1_active)" = "$before" ] && settled && grep -q '"ready":true' <<<"$health"; then
    pass "$name" "store $before, no temporary file, $health"
else
    fail "$name" "store $(board1_active) (was $before)" "$(echo "leftovers: $(leftovers)"; echo "health: $health"; on_board 1 journalctl -u qinferd --no-pager -n 10 -o cat)"
fi

phase "clean-up"
teardown || fail "clean-up leaves nothing behind" "see the lines above"
phase_end
