#!/usr/bin/env bash
# Fuzzes the .qpack reader (QInferModel's PackedModel) with libFuzzer and AddressSanitizer for a fixed time.
# What a finding means and how to reproduce one: tools/fuzz/README.md.
#
# Usage: tools/fuzz/run-qpack-fuzz.sh [seconds]        (default 600; building comes on top, ~7 min the first time)
# Environment: QPACK_FUZZ_JOBS     parallel fuzzing processes (default: the number of cores)
#              QPACK_FUZZ_MAX_LEN  largest input libFuzzer makes, in bytes (default 65536)
#
# Everything it writes is under tools/fuzz/.build, which git ignores:
#   plain/, sanitized/  the seed writer's build, and the fuzzer's (libFuzzer + AddressSanitizer)
#   seeds/              the seed models, written afresh every run
#   corpus/             what libFuzzer keeps as interesting; it grows across runs
#   findings/           crash-*, timeout-*, oom-*, leak-* inputs of this run; for each, <name>.log (its reproduction
#                       with a stack) and <name>.qpack (the same input with the checksum the reader expects);
#                       minimized-<n>[.qpack|.log], the smallest input found for each distinct report, shrunk
#   fuzz.log            libFuzzer's output
# Exit status: 0 when the run produced no finding, 1 when it did, 2 when it could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

seconds="${1:-600}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [seconds]" >&2
    exit 2
fi
jobs="${QPACK_FUZZ_JOBS:-$(nproc)}"
# Swift's crash backtracer takes SIGILL (every Swift trap) before libFuzzer can: libFuzzer then never records the
# input, and the backtracer can stall a fuzzing job for its whole timeout.
export SWIFT_BACKTRACE=enable=no
max_len="${QPACK_FUZZ_MAX_LEN:-65536}"

# Two scratch paths: the seed writer has its own main, which cannot link against libFuzzer's.
echo "== building the seed writer"
swift build -c release --product QPackSeeds --scratch-path .build/plain || exit 2
# --sanitize=address instruments the C targets too (the SHA-256 in BoringSSL reads ranges the reader computes);
# -sanitize=fuzzer adds coverage to the Swift code, libFuzzer to the link.
echo "== building the fuzzer"
swift build -c release --product QPackFuzz --scratch-path .build/sanitized \
    --sanitize=address -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library || exit 2
fuzzer=.build/sanitized/release/QPackFuzz

rm -rf .build/seeds
mkdir -p .build/seeds .build/corpus
.build/plain/release/QPackSeeds .build/seeds || exit 2

# A finding from an earlier run is kept, but out of the way: this run's exit status speaks for this run only.
if [ -d .build/findings ] && [ -n "$(ls -A .build/findings)" ]; then
    old=".build/findings.$(date +%Y%m%d-%H%M%S)"
    mv .build/findings "$old"
    echo "== moved the previous run's findings to tools/fuzz/$old"
fi
mkdir -p .build/findings

# Fork mode spreads the work over the cores with one shared corpus and keeps fuzzing after a finding
# (-ignore_*), so one shallow bug does not end the run before the deeper code has been reached.
# The malloc limit defaults to -rss_limit_mb, so one huge allocation asked for by a header is an oom finding.
# The outer timeout only guards against a wedged libFuzzer; -max_total_time is what ends a normal run.
echo "== fuzzing for ${seconds}s with ${jobs} job(s)"
status=0
timeout --kill-after=60 "$((seconds + 300))" \
    "$fuzzer" .build/corpus .build/seeds \
    -dict=qpack.dict \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -fork="$jobs" \
    -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix=.build/findings/ -print_final_stats=1 \
    > .build/fuzz.log 2>&1 || status=$?
grep -E "^#[0-9]+: cov:|INFO: (fuzzing|exiting)|DONE|stat::" .build/fuzz.log | tail -n 6 || true

shopt -s nullglob
findings=()
for f in .build/findings/{crash,timeout,oom,leak}-*; do
    [[ "$f" == *.log || "$f" == *.qpack ]] || findings+=("$f")
done
if [ "${#findings[@]}" -eq 0 ]; then
    if [ "$status" -ne 0 ]; then
        echo "== libFuzzer exited with status $status and left no finding; see tools/fuzz/.build/fuzz.log" >&2
        exit 2
    fi
    echo "== no finding"
    exit 0
fi

# Each input is run once more for a log with a symbolized stack, and grouped by the report and the first frame in
# our code; the smallest input of each group is then shrunk by libFuzzer for up to 30 s.
echo "== ${#findings[@]} finding(s) in tools/fuzz/.build/findings"
declare -A count smallest
for f in "${findings[@]}"; do
    timeout 60 "$fuzzer" -runs=1 -timeout=10 -rss_limit_mb=2048 "$f" > "$f.log" 2>&1 || true
    .build/plain/release/QPackSeeds --reseal "$f" "$f.qpack" || true
    # Addresses and sizes differ from input to input: cut them so one bug is one group.
    what="$(grep -m1 -o -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): .*" "$f.log" \
            | sed -E 's/ (on|at) (address|pc) .*//; s/ ?\(.*//; s/ after [0-9]+ seconds//' || true)"
    where="$(grep -m1 -E "#[0-9]+ 0x[0-9a-f]+ in .*(/Sources/QInferModel/|/Sources/QPack)" "$f.log" | swift-demangle --simplified \
             | sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //; s|/.*/Sources/|Sources/|' || true)"
    key="${what:-no report} at ${where:-?}"
    count[$key]=$(( ${count[$key]:-0} + 1 ))
    if [ -z "${smallest[$key]:-}" ] || [ "$(stat -c %s "$f")" -lt "$(stat -c %s "${smallest[$key]}")" ]; then
        smallest[$key]="$f"
    fi
done
n=0
while IFS= read -r key; do
    n=$((n + 1))
    out=".build/findings/minimized-$n"
    timeout 120 "$fuzzer" -minimize_crash=1 -max_total_time=30 -timeout=10 -rss_limit_mb=2048 \
        -exact_artifact_path="$out" "${smallest[$key]}" > "$out.minimize.log" 2>&1 || true
    [ -s "$out" ] || cp "${smallest[$key]}" "$out"
    timeout 60 "$fuzzer" -runs=1 -timeout=10 -rss_limit_mb=2048 "$out" > "$out.log" 2>&1 || true
    .build/plain/release/QPackSeeds --reseal "$out" "$out.qpack" || true
    echo "  [$n] ${count[$key]} input(s): $key"
    echo "      smallest: $(basename "${smallest[$key]}"); minimized: tools/fuzz/$out.qpack ($(stat -c %s "$out") bytes)"
done < <(for key in "${!count[@]}"; do echo "${count[$key]} $key"; done | sort -rn | cut -d' ' -f2-)
echo "== each <finding>.qpack is the input with the checksum the reader expects: it fails any plain load."
echo "   Stacks: <finding>.log. Reproduce: tools/fuzz/.build/sanitized/release/QPackFuzz <finding>"
exit 1
