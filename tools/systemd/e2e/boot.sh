#!/usr/bin/env bash
# Boots systemd as PID 1 of new PID, mount, UTS, IPC, network and cgroup namespaces on an unpacked rootfs:
#   tools/systemd/e2e/boot.sh ROOTFS CGROUP      (run.sh starts it in the background and finds systemd's PID as the
#                                                 child of this process; systemd's own output goes to stdout/stderr)
# ROOTFS is an unpacked Debian rootfs, CGROUP an empty directory in the host's cgroup2 hierarchy that becomes the
# root of the namespace's cgroup tree. Stop everything with kill -9 on systemd's PID (the kernel then kills every
# process of the PID namespace, and the mounts go with the last of them); if the caller dies instead, the parent-death
# signals below do the same. NEVER point this at the host's own root: systemd's boot clean-up (tmpfiles) would empty
# the host's /tmp, among others.
#
# Compared with bind-mounting the host's /sys and /dev (enough to boot), everything systemd could change on the host
# is kept out of reach:
# - cgroups: a cgroup namespace rooted at CGROUP and a fresh cgroup2 mount, so the rootfs's systemd builds its tree
#   (init.scope, system.slice/qinferd.service) under CGROUP and never sees, or collides with, the host's or another
#   run's units;
# - /sys is a fresh read-only sysfs: udev's units (ConditionPathIsReadWrite=/sys) stay off and cannot re-trigger the
#   host's devices; /proc/sys is read-only too, so systemd-sysctl cannot apply the rootfs's sysctl.d to the host;
# - /dev is a tmpfs with the pseudo devices only (null, zero, full, random, urandom, tty, a private devpts);
# - no network: a new network namespace with only a loopback device. The test needs no network (the rootfs holds
#   every dependency), and a unit of the rootfs cannot listen on the host's ports (qinferd-metrics.socket's 9464);
# - pivot_root rather than chroot, and the host's root unmounted inside: the rootfs's processes see nothing of it.
set -euo pipefail

if [ "${1:-}" != --inside ]; then
    rootfs=${1:?usage: boot.sh ROOTFS CGROUP}
    cgroup=${2:?usage: boot.sh ROOTFS CGROUP}
    [ -x "$rootfs/lib/systemd/systemd" ] || { echo "boot: $rootfs has no /lib/systemd/systemd" >&2; exit 1; }
    [ "$(realpath "$rootfs")" != / ] || { echo "boot: refusing to boot systemd on the host's own root" >&2; exit 1; }
    # Join CGROUP first: a cgroup namespace is rooted at the cgroup its creator is in.
    echo $$ >"$cgroup/cgroup.procs"
    # setpriv: unshare gets SIGKILL when the caller (run.sh) dies, however it dies; --kill-child: the namespace's PID 1
    # gets SIGKILL when unshare dies. So a killed test run leaves no systemd behind.
    # QINFERD_E2E_NETNS (a network namespace file such as /proc/PID/ns/net) puts several booted rootfs in one
    # network namespace, each its own loopback address (the fleet test's boards on 127.0.0.2-4); by default each
    # boot gets a namespace of its own.
    net=(--net)
    join=()
    if [ -n "${QINFERD_E2E_NETNS:-}" ]; then net=(); join=(nsenter "--net=$QINFERD_E2E_NETNS" --); fi
    exec setpriv --pdeathsig KILL "${join[@]}" \
        unshare --pid --mount --uts --ipc "${net[@]}" --cgroup --kill-child=KILL --propagation private \
        "$BASH" "${BASH_SOURCE[0]}" --inside "$(realpath "$rootfs")"
fi

# PID 1 of the new namespaces from here on, in a private copy of the host's mounts.
root=$2
mount --bind "$root" "$root" # pivot_root needs the new root to be a mount point
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
for path in sys sysrq-trigger; do
    [ -e "$root/proc/$path" ] || continue # no sysrq-trigger without CONFIG_MAGIC_SYSRQ
    mount --bind "$root/proc/$path" "$root/proc/$path"
    mount -o remount,bind,ro "$root/proc/$path"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid,size=4m tmpfs "$root/dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<<"$node"
    mknod -m 0666 "$root/dev/$name" c "$major" "$minor"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"

cd "$root"
mkdir -p .host-root
pivot_root . .host-root
cd /
umount -l /.host-root
rmdir /.host-root
# container= tells systemd (and systemd-detect-virt, and units' ConditionVirtualization=) it runs in a container:
# it then skips what only a real machine does (kernel modules, the hardware clock, consoles on /dev/tty*).
exec /usr/bin/env -i container=qinferd-e2e PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --unit=multi-user.target --show-status=no
