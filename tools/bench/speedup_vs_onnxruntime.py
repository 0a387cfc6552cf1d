#!/usr/bin/env python3
"""The shipped models against their FP32 twins in onnxruntime, on this machine, in one run.

For each model directory (default: every directory under models/ with a .qpack and a *-fp32.onnx), the first test
sample is preprocessed the way the model's metadata says (frames: (x/255 − mean)/std; point clouds: already
normalized in the test set) and saved once; then, for --rounds rounds, alternately:
  - `qinfer bench model MODEL.qpack --input SAMPLE.npy` (the plan qinferd runs; its median µs per inference),
  - tools/bench/ort_runner.py TWIN-fp32.onnx on the same values in the twin's layout (its median µs),
each for --seconds. Reported: the median over rounds of each, and speedup = onnxruntime / qinfer.
Both sides are single-process, --threads intra-op threads, compute only (no decoding, no preprocessing).

    .venv/bin/python tools/bench/speedup_vs_onnxruntime.py [--isa avx512,avx2] [--threads 1] [--json] [MODEL_DIR ...]
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_json(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"speedup: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def sample(model_dir, qpack, qinfer):
    """The engine's input (graph layout) and the twin's input (ONNX layout) for the first test sample."""
    info = run_json([qinfer, "inspect", qpack, "--json"])[0]
    shape, prep = info["input"]["shape"], info["preprocessing"]
    if "frame" in prep:
        f = prep["frame"]
        images = np.load(os.path.join(model_dir, "testset_images.npy"))
        img = images[0].astype(np.float32).reshape(f["height"], f["width"], -1)
        mean, std = np.array(f["mean"], np.float32), np.array(f["std"], np.float32)
        x = ((img / np.float32(255) - mean) / std).astype(np.float32)  # [H, W, C], as FramePreprocessor computes it
        return x.reshape(shape), x.transpose(2, 0, 1)[None]
    if "point_cloud" in prep:
        pts = np.load(os.path.join(model_dir, "testset_points.npy"))[0].astype(np.float32)  # [N, 3], normalized
        return pts.reshape(shape), pts.T[None]
    sys.exit(f"speedup: {qpack}: no frame or point-cloud preprocessing to build a sample from")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="*", help="model directories (default: models/*)")
    p.add_argument("--qinfer", default=os.path.join(ROOT, ".build/release/qinfer"))
    p.add_argument("--isa", default="", help="comma-separated ISAs for qinfer (default: the one the kernels choose)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0, help="per measurement and round")
    p.add_argument("--json", action="store_true", help="one JSON object per model × ISA")
    a = p.parse_args()
    if a.rounds < 1 or a.threads < 1 or not (0 < a.seconds <= 60):
        sys.exit("speedup: --rounds ≥ 1, --threads ≥ 1, 0 < --seconds ≤ 60")
    dirs = a.models or sorted(d for d in glob.glob(os.path.join(ROOT, "models/*")) if os.path.isdir(d))
    runner = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_runner.py")
    isas = [i for i in a.isa.split(",") if i] or [None]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in dirs:
            qpacks = glob.glob(os.path.join(d, "*.qpack"))
            twins = glob.glob(os.path.join(d, "*-fp32.onnx"))
            if len(qpacks) != 1 or len(twins) != 1:
                sys.exit(f"speedup: {d} needs exactly one .qpack and one *-fp32.onnx")
            engine_x, onnx_x = sample(d, qpacks[0], a.qinfer)
            name = os.path.basename(os.path.normpath(d))
            engine_in, onnx_in = os.path.join(tmp, f"{name}-engine.npy"), os.path.join(tmp, f"{name}-onnx.npy")
            np.save(engine_in, engine_x)
            np.save(onnx_in, onnx_x)
            for isa in isas:
                q_medians, o_medians, isa_name = [], [], None
                for _ in range(a.rounds):
                    cmd = [a.qinfer, "bench", "model", qpacks[0], "--input", engine_in, "--threads", str(a.threads),
                           "--min-time", str(a.seconds), "--json"] + (["--isa", isa] if isa else [])
                    q = run_json(cmd)[0]
                    isa_name = q["isa"]
                    q_medians.append(q["fused_median_us"])
                    o = run_json([sys.executable, runner, twins[0], onnx_in, "--threads", str(a.threads),
                                  "--seconds", str(a.seconds)])[0]
                    o_medians.append(o["median_us"])
                qm, om = statistics.median(q_medians), statistics.median(o_medians)
                rows.append({"model": name, "isa": isa_name, "threads": a.threads, "rounds": a.rounds,
                             "qinfer_median_us": qm, "onnxruntime_fp32_median_us": om, "speedup": om / qm,
                             "onnxruntime_version": o["version"], "qinfer_round_medians_us": q_medians,
                             "onnxruntime_round_medians_us": o_medians})
                if a.json:
                    print(json.dumps(rows[-1], sort_keys=True), flush=True)
    if not a.json:
        print(f"Median µs per inference (median over {a.rounds} alternating rounds of {a.seconds} s each), "
              f"{a.threads} thread(s); onnxruntime {rows[0]['onnxruntime_version'] if rows else '?'} runs the FP32 twin.")
        print(f"{'model':<12} {'isa':<8} {'qinfer µs':>10} {'onnxruntime FP32 µs':>20} {'speedup':>8}")
        for r in rows:
            print(f"{r['model']:<12} {r['isa']:<8} {r['qinfer_median_us']:>10.1f} {r['onnxruntime_fp32_median_us']:>20.1f} "
                  f"{r['speedup']:>7.2f}×")


if __name__ == "__main__":
    main()
