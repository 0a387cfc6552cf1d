#!/usr/bin/env python3
"""Times one ONNX model in onnxruntime on one input, the way a user of onnxruntime would run it on a board.

Prints one JSON line: median, p99 and best latency in microseconds over the timed runs, runs, threads, the
onnxruntime version and the execution provider, and for the timed window its wall and CPU seconds (this process,
all threads) and the process's peak resident memory. The session is created once (graph optimizations on, the
default ORT_ENABLE_ALL); --warmup seconds of untimed runs (at least 5) precede the timing. With --events, a line {"event": "start"} is
printed (and flushed) right before the timed window, so a parent reading a power sensor can open its energy window.

    ort_runner.py MODEL.onnx INPUT.npy [--threads 1] [--seconds 1.0] [--warmup 0.2] [--min-runs 50] [--events]

INPUT.npy must have the shape the model's input declares (a leading batch dimension of 1 is added if missing).
"""
import argparse
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def peak_rss_bytes():
    """VmHWM of /proc/self/status: this process's own peak (ru_maxrss is kept across fork and exec on Linux, so it
    would report a bigger parent's peak); None where there is no /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    p.add_argument("--seconds", type=float, default=1.0, help="time budget for the timed runs")
    p.add_argument("--min-runs", type=int, default=50)
    p.add_argument("--warmup", type=float, default=0.2, help="seconds of untimed runs first (at least 5 runs)")
    p.add_argument("--events", action="store_true", help='print {"event": "start"} before the timed window')
    a = p.parse_args()
    if a.threads < 1 or not (0 < a.seconds <= 600) or a.min_runs < 1 or not (0 <= a.warmup <= 600):
        print("ort_runner: --threads ≥ 1, 0 < --seconds ≤ 600, --min-runs ≥ 1, 0 ≤ --warmup ≤ 600", file=sys.stderr)
        return 2

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    try:
        session = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types for unreadable or invalid models
        print(f"ort_runner: {a.model}: {e}", file=sys.stderr)
        return 1
    spec = session.get_inputs()[0]
    try:
        x = np.load(a.input).astype(np.float32)
    except (OSError, ValueError, EOFError) as e:  # missing, not .npy, truncated
        print(f"ort_runner: {a.input}: {e}", file=sys.stderr)
        return 1
    want = [d if isinstance(d, int) else 1 for d in spec.shape]
    if list(x.shape) != want and [1] + list(x.shape) == want:
        x = x[None]
    if list(x.shape) != want:
        print(f"ort_runner: {a.input} has shape {list(x.shape)}, {spec.name} needs {want}", file=sys.stderr)
        return 1
    feed = {spec.name: x}

    warm_until, warmed = time.perf_counter() + a.warmup, 0
    while warmed < 5 or time.perf_counter() < warm_until:
        session.run(None, feed)
        warmed += 1
    if a.events:
        print(json.dumps({"event": "start"}), flush=True)
    samples = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    deadline = wall0 + a.seconds
    while len(samples) < a.min_runs or time.perf_counter() < deadline:
        t0 = time.perf_counter_ns()
        session.run(None, feed)
        samples.append((time.perf_counter_ns() - t0) / 1e3)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    samples.sort()
    print(json.dumps({
        "model": a.model, "runtime": "onnxruntime", "version": ort.__version__, "provider": "CPUExecutionProvider",
        "threads": a.threads, "runs": len(samples), "median_us": float(np.median(samples)),
        "p99_us": samples[min(len(samples) - 1, int(0.99 * len(samples)))], "best_us": samples[0],
        "wall_seconds": wall, "cpu_seconds": cpu, "peak_rss_bytes": peak_rss_bytes(),
    }, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
