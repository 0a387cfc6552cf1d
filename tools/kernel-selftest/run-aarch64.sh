#!/usr/bin/env bash
# Cross-compiles the kernel self-test for aarch64 and runs it under qemu user-mode emulation, so the NEON
# variant is checked bit for bit against the scalar reference on an x86 build machine.
#
# Usage: tools/kernel-selftest/run-aarch64.sh [seed]
# Needs: gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross) and qemu-user-static (`make deps` installs them).
# Exit status: non-zero on a compile error, any mismatch, a crash or timeout, or if NEON was not tested.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cc="${CC_AARCH64:-aarch64-linux-gnu-gcc}"
qemu="${QEMU_AARCH64:-qemu-aarch64-static}"
for tool in "$cc" "$qemu" timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-aarch64.sh: $tool not found (run 'make deps' or install gcc-aarch64-linux-gnu qemu-user-static)" >&2
        exit 1
    fi
done

out="tools/kernel-selftest/out"
bin="$out/selftest-aarch64"
log="$out/selftest-aarch64.log"
mkdir -p "$out"
rm -f "$bin" "$log" # a stale binary must never pass for a build that just failed

# -static: qemu-aarch64-static then needs no aarch64 sysroot at run time.
# -ffp-contract=off: the FLOAT transform's contract is two roundings; a fused multiply-add in either the
# kernels or the driver's reference would make bit-exact comparison meaningless.
echo "run-aarch64.sh: building $bin"
"$cc" -O2 -std=c11 -static -pthread -ffp-contract=off \
    -I Sources/QInferKernels/include \
    tools/kernel-selftest/*.c Sources/QInferKernels/*.c \
    -o "$bin"

# The timeout turns a deadlocked thread pool into a failure instead of a hung CI job.
echo "run-aarch64.sh: running under $qemu"
status=0
timeout 900 "$qemu" "$bin" "$@" 2>&1 | tee "$log" || status=$?

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
