#!/usr/bin/env python3
"""onnxruntime reference outputs for the importer's test fixtures.

    .venv/bin/python tools/onnx/reference_outputs.py            # write outputs.npy for every fixture
    .venv/bin/python tools/onnx/reference_outputs.py --check    # recompute and compare; exit 1 on any difference

For every Tests/QInferONNXTests/Fixtures/models/<name>/ it runs model.onnx on each row of inputs.npy with the CPU
execution provider, graph optimizations disabled (the reference is the plain graph, no fusions) and one thread, and
writes outputs.npy (float32 [K, classes]). It prints each model's top-1 classes and top-1 margins (top1 - top2, also
relative to max|output|) so near-ties are visible. When writing, an input whose relative margin is below 1e-3, or
that drives an activation feeding a Sign within 1e-5*rms of zero, is redrawn (deterministically) and inputs.npy is
rewritten. --check never rewrites anything: it fails when an output differs from the committed one by more than
1e-6 (absolute and relative), when a margin is below 1e-3, or when the Sign-input guard fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def margins(outputs: np.ndarray) -> list[tuple[float, float]]:
    return [fl.top1_margin(r) for r in outputs]


def guard_failures(model: onnx.ModelProto, inputs: np.ndarray, zeros_allowed: bool) -> list[str]:
    prober = fl.Prober(model)
    bad = []
    for i, x in enumerate(inputs):
        ok, why, _ = fl.screen(prober, x, zeros_allowed, 0.0)  # margins are checked by the caller
        if not ok:
            bad.append(f"input {i}: {why}")
    return bad


def describe(name: str, outputs: np.ndarray) -> str:
    ms = margins(outputs)
    top = " ".join(str(int(np.argmax(r))) for r in outputs)
    mar = " ".join(f"{m:.3g}/{r:.3f}" for m, r in ms)
    return f"{name}: [{outputs.shape[0]}, {outputs.shape[1]}] top-1 {top}; margins abs/rel {mar}"


def check_shapes(d: Path, model: onnx.ModelProto, inputs: np.ndarray) -> str | None:
    dims = [x.dim_value for x in model.graph.input[0].type.tensor_type.shape.dim]
    if list(inputs.shape[1:]) != dims or inputs.shape[0] != fl.K_INPUTS or inputs.dtype != np.float32:
        return f"{d.name}: inputs.npy is {inputs.dtype} {list(inputs.shape)}, expected float32 " \
               f"{[fl.K_INPUTS] + dims}"
    return None


def write(dirs: list[Path]) -> int:
    for d in dirs:
        info = fl.read_info(d)
        model = onnx.load(str(d / "model.onnx"))
        inputs = np.load(d / "inputs.npy")
        problem = check_shapes(d, model, inputs)
        if problem:
            print(f"reference_outputs: {problem}", file=sys.stderr)
            return 1
        outputs = fl.run_outputs(d / "model.onnx", inputs)
        if any(r < fl.CHECK_MARGIN for _, r in margins(outputs)) or guard_failures(model, inputs,
                                                                                   info["sign_input_zeros"]):
            inputs, _ = fl.select_inputs(model, d.name, info["input_shape"], info["layout"],
                                         info["sign_input_zeros"], keep=inputs, attempt_salt="inputs-redraw",
                                         log=print)
            fl.save_npy(d / "inputs.npy", inputs)
            outputs = fl.run_outputs(d / "model.onnx", inputs)
        fl.save_npy(d / "outputs.npy", outputs)
        print(describe(d.name, outputs))
    return 0


def check(dirs: list[Path], verbose: bool) -> int:
    import onnxruntime

    failures = []
    worst = (np.inf, "")
    max_diff = 0.0
    n_inputs = 0
    for d in dirs:
        info = fl.read_info(d)
        model = onnx.load(str(d / "model.onnx"))
        inputs = np.load(d / "inputs.npy")
        problem = check_shapes(d, model, inputs)
        if problem:
            failures.append(problem)
            continue
        if not (d / "outputs.npy").is_file():
            failures.append(f"{d.name}: outputs.npy is missing (run reference_outputs.py without --check)")
            continue
        committed = np.load(d / "outputs.npy")
        outputs = fl.run_outputs(d / "model.onnx", inputs)
        n_inputs += len(inputs)
        if committed.shape != outputs.shape:
            failures.append(f"{d.name}: outputs.npy has shape {list(committed.shape)}, onnxruntime gives "
                            f"{list(outputs.shape)}")
            continue
        diff = np.abs(outputs.astype(np.float64) - committed.astype(np.float64))
        limit = np.maximum(fl.TOLERANCE, fl.TOLERANCE * np.abs(committed.astype(np.float64)))
        max_diff = max(max_diff, float(diff.max()))
        if np.any(diff > limit):
            i, j = np.unravel_index(int(np.argmax(diff - limit)), diff.shape)
            failures.append(f"{d.name}: output [{i}, {j}] is {float(outputs[i, j]):.9g}, committed "
                            f"{float(committed[i, j]):.9g} "
                            f"(|diff| {diff[i, j]:.3g}; {int(np.sum(diff > limit))} values beyond 1e-6)")
        for i, (m, r) in enumerate(margins(outputs)):
            if r < worst[0]:
                worst = (r, f"{d.name} input {i}")
            if r < fl.CHECK_MARGIN:
                failures.append(f"{d.name}: input {i} has a top-1 margin of {m:.3g} ({r:.2e} relative, below "
                                f"{fl.CHECK_MARGIN}); rerun without --check to redraw it")
        failures += [f"{d.name}: {b}" for b in guard_failures(model, inputs, info["sign_input_zeros"])]
        if verbose:
            print(describe(d.name, outputs))
    if failures:
        print(f"reference_outputs --check: {len(failures)} problem(s) with onnxruntime {onnxruntime.__version__}:",
              file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    print(f"reference_outputs --check: {len(dirs)} models, {n_inputs} inputs match outputs.npy (onnxruntime "
          f"{onnxruntime.__version__}, max |diff| {max_diff:.2g}); smallest top-1 margin {worst[0]:.3f} relative "
          f"({worst[1]})")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="recompute and compare with the committed outputs.npy")
    ap.add_argument("--only", help="one fixture directory name")
    ap.add_argument("-v", "--verbose", action="store_true", help="with --check, also print each model's margins")
    args = ap.parse_args()
    dirs = [d for d in fl.model_dirs() if not args.only or d.name == args.only]
    if not dirs:
        print(f"reference_outputs: no fixtures under {fl.FIXTURES}" + (f" named {args.only}" if args.only else ""),
              file=sys.stderr)
        return 1
    return check(dirs, args.verbose) if args.check else write(dirs)


if __name__ == "__main__":
    sys.exit(main())
