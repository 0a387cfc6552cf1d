#!/usr/bin/env bash
# Checks the NEON variant bit for bit against the scalar reference. On an x86 build machine: cross-compiled for
# aarch64 and run under qemu user-mode emulation. On an aarch64 host (Raspberry Pi OS 64-bit, Jetson): compiled
# with the host's gcc and run natively on the real CPU, no cross tools or qemu involved.
#
# Usage: tools/kernel-selftest/run-aarch64.sh [seed]
# Needs: on x86-64, gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross) and qemu-user-static; on aarch64, gcc and
# libc6-dev (`make deps` installs what the host needs).
# Exit status: non-zero on a compile error, any mismatch, a crash or timeout, or if NEON was not tested.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ "$(uname -m)" = aarch64 ]; then
    native=1
    cc="${CC_AARCH64:-gcc}"
    runner=()
    tools=("$cc" timeout)
else
    native=0
    cc="${CC_AARCH64:-aarch64-linux-gnu-gcc}"
    qemu="${QEMU_AARCH64:-qemu-aarch64-static}"
    runner=("$qemu")
    tools=("$cc" "$qemu" timeout)
fi
for tool in "${tools[@]}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-aarch64.sh: $tool not found (run 'make deps'; it installs $([ "$native" = 1 ] && echo 'gcc and libc6-dev' || echo 'gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static'))" >&2
        exit 1
    fi
done

out="tools/kernel-selftest/out"
bin="$out/selftest-aarch64"
log="$out/selftest-aarch64.log"
mkdir -p "$out"
rm -f "$bin" "$log" # a stale binary must never pass for a build that just failed

# -static: qemu-aarch64-static then needs no aarch64 sysroot at run time (natively it costs nothing).
# -ffp-contract=off: the FLOAT transform's contract is two roundings; a fused multiply-add in either the
# kernels or the driver's reference would make bit-exact comparison meaningless.
echo "run-aarch64.sh: building $bin"
"$cc" -O2 -std=c11 -static -pthread -ffp-contract=off \
    -I Sources/QInferKernels/include \
    tools/kernel-selftest/*.c Sources/QInferKernels/*.c \
    -o "$bin"

# The timeout turns a deadlocked thread pool into a failure instead of a hung CI job.
if [ "$native" = 1 ]; then
    echo "run-aarch64.sh: running natively on $(uname -m)"
else
    echo "run-aarch64.sh: running under $qemu"
fi
status=0
timeout 900 "${runner[@]}" "$bin" "$@" 2>&1 | tee "$log" || status=$?

if [ "$status" -eq 124 ]; then
    echo "run-aarch64.sh: FAILED: the self-test timed out" >&2
    exit 1
fi
if [ "$status" -gt 128 ]; then
    echo "run-aarch64.sh: FAILED: the self-test died from signal $((status - 128)) (log in $log)" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "run-aarch64.sh: FAILED (self-test exit status $status, log in $log)" >&2
    exit 1
fi
if ! grep -Eq '^\[neon\] .* -> (ok|FAILED)' "$log"; then
    echo "run-aarch64.sh: FAILED: the NEON variant was not exercised (see $log)" >&2
    exit 1
fi
echo "run-aarch64.sh: ok"
