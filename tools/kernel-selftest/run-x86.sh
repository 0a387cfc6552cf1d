#!/usr/bin/env bash
# Builds and runs the kernel self-test natively on x86-64. The AVX-512 variant is compiled against SIMDe's
# portable implementations of its intrinsics (QK_AVX512_VIA_SIMDE), so it is checked bit for bit against the
# scalar reference even on CPUs without AVX-512; popcnt and AVX2 run natively.
#
# Usage: tools/kernel-selftest/run-x86.sh [seed]
# Needs: gcc and libsimde-dev (`make deps` installs it), an x86-64 CPU with AVX2.
# Exit status: non-zero on a compile error, any mismatch, a crash or timeout, or if AVX-512 was not tested.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cc="${CC:-gcc}"
if [ "$(uname -m)" != "x86_64" ]; then
    echo "run-x86.sh: this host is $(uname -m); the x86 self-test needs an x86-64 machine" >&2
    exit 1
fi
for tool in "$cc" timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-x86.sh: $tool not found" >&2
        exit 1
    fi
done
if [ ! -f /usr/include/simde/x86/avx512.h ]; then
    echo "run-x86.sh: /usr/include/simde/x86/avx512.h not found (run 'make deps' or install libsimde-dev)" >&2
    exit 1
fi

out="tools/kernel-selftest/out"
bin="$out/selftest-x86_64"
log="$out/selftest-x86_64.log"
mkdir -p "$out"
rm -f "$bin" "$log" # a stale binary must never pass for a build that just failed

# -mavx2 -mfma -mpopcnt: SIMDe maps the 512-bit intrinsics onto the widest native ones it is allowed to use.
# -ffp-contract=off: -mfma would otherwise let GCC fuse the FLOAT transform's multiply and add, which the
# kernels' contract (two roundings) and the driver's reference both forbid.
# -Wno-psabi: silences GCC's note about the 64-byte vector ABI inside SIMDe's headers; nothing crosses an ABI
# boundary here.
echo "run-x86.sh: building $bin"
"$cc" -O2 -std=c11 -pthread -ffp-contract=off -mavx2 -mfma -mpopcnt -DQK_AVX512_VIA_SIMDE -Wno-psabi \
    -I/usr/include -I Sources/QInferKernels/include \
    tools/kernel-selftest/*.c Sources/QInferKernels/*.c \
    -o "$bin"

# The timeout turns a deadlocked thread pool into a failure instead of a hung CI job.
echo "run-x86.sh: running"
status=0
timeout 600 "$bin" "$@" 2>&1 | tee "$log" || status=$?

if [ "$status" -eq 124 ]; then
    echo "run-x86.sh: FAILED: the self-test timed out" >&2
    exit 1
fi
if [ "$status" -gt 128 ]; then
    echo "run-x86.sh: FAILED: the self-test died from signal $((status - 128)) (log in $log)" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "run-x86.sh: FAILED (self-test exit status $status, log in $log)" >&2
    exit 1
fi
# The whole point of the SIMDe build is the AVX-512 section; a build in which it silently dropped out (e.g. the
# define not reaching dispatch.c) must not count as a pass.
for isa in avx512 avx2 popcnt; do
    if ! grep -Eq "^\\[$isa\\] .* -> (ok|FAILED)" "$log"; then
        echo "run-x86.sh: FAILED: the $isa variant was not exercised (see $log)" >&2
        exit 1
    fi
done
echo "run-x86.sh: ok"
