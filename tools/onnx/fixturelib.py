"""Shared helpers for the ONNX test-fixture tools (make_test_models.py, reference_outputs.py).

Fixtures live in Tests/QInferONNXTests/Fixtures/models/<name>/ with model.onnx, inputs.npy, outputs.npy and
info.json. Inputs are drawn deterministically from the model name and screened with onnxruntime so that tests do not
sit on ties: the top-1 logit must lead the runner-up clearly, and no activation that feeds a Sign may be so close to
zero that a different (but correct) float summation order could flip the bit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "QInferONNXTests" / "Fixtures" / "models"

K_INPUTS = 6
# Inputs are kept only when (top1 - top2) >= SELECT_MARGIN * max|output|; --check fails below CHECK_MARGIN.
SELECT_MARGIN = 1e-2
CHECK_MARGIN = 1e-3
# A value feeding a Sign must satisfy |x| >= SIGN_GUARD * rms(tensor) unless it is exactly zero in a model whose
# info.json says Sign sees exact zeros (Relu output fed straight to Sign).
SIGN_GUARD = 1e-5
TOLERANCE = 1e-6


def name_seed(name: str, salt: str = "") -> int:
    """A stable 63-bit seed derived from a string (Python's hash() is salted per process)."""
    digest = hashlib.sha256(f"{name}/{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def model_dirs() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.iterdir() if (p / "model.onnx").is_file())


def read_info(d: Path) -> dict:
    return json.loads((d / "info.json").read_text())


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def save_npy(path: Path, arr: np.ndarray) -> None:
    """np.save writes the same bytes for the same array; keep it that way (no pickles, C order, float32)."""
    np.save(path, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)


# ----------------------------------------------------------------------------------------------------------------
# onnxruntime

def session(model: onnx.ModelProto | bytes | str):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    if isinstance(model, onnx.ModelProto):
        model = model.SerializeToString()
    elif isinstance(model, Path):
        model = str(model)
    return ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])


def run_outputs(model_path: Path, inputs: np.ndarray) -> np.ndarray:
    """Runs each of the K inputs (shape [K] + input shape) and returns float32 [K, classes]."""
    sess = session(model_path)
    iname = sess.get_inputs()[0].name
    rows = []
    for x in inputs:
        (y,) = sess.run(None, {iname: x.astype(np.float32)})[:1]
        rows.append(np.asarray(y, dtype=np.float32).reshape(-1))
    return np.stack(rows).astype(np.float32)


def top1_margin(row: np.ndarray) -> tuple[float, float]:
    """(top1 - top2, the same relative to max|row|)."""
    s = np.sort(row.astype(np.float64))[::-1]
    margin = float(s[0] - s[1])
    scale = float(np.max(np.abs(row))) or 1.0
    return margin, margin / scale


# ----------------------------------------------------------------------------------------------------------------
# Sign inputs: which tensors feed a Sign on the data path, and how close to zero they come

def data_dependent_tensors(model: onnx.ModelProto) -> set[str]:
    g = model.graph
    inits = {t.name for t in g.initializer}
    live = {i.name for i in g.input if i.name not in inits}
    for n in g.node:  # nodes are topologically sorted in a valid model
        if any(i in live for i in n.input if i):
            live.update(o for o in n.output if o)
    return live


def sign_activation_inputs(model: onnx.ModelProto) -> list[str]:
    live = data_dependent_tensors(model)
    names = []
    for n in model.graph.node:
        if n.op_type == "Sign" and n.input[0] in live and n.input[0] not in names:
            names.append(n.input[0])
    return names


class Prober:
    """Runs a model and also returns every tensor that feeds a Sign on the data path."""

    def __init__(self, model: onnx.ModelProto):
        self.sign_inputs = sign_activation_inputs(model)
        probe = onnx.ModelProto()
        probe.CopyFrom(model)
        self.n_outputs = len(probe.graph.output)
        for name in self.sign_inputs:
            probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
        self.sess = session(probe)
        self.iname = self.sess.get_inputs()[0].name

    def run(self, x: np.ndarray):
        res = self.sess.run(None, {self.iname: x.astype(np.float32)})
        out = np.asarray(res[0], dtype=np.float32).reshape(-1)
        return out, dict(zip(self.sign_inputs, res[self.n_outputs:]))


def screen(prober: Prober, x: np.ndarray, zeros_allowed: bool, margin_needed: float) -> tuple[bool, str, dict]:
    """Whether input x is a good fixture input; a reason when not; statistics."""
    out, signs = prober.run(x)
    if not np.all(np.isfinite(out)):
        return False, "non-finite output", {}
    _, rel = top1_margin(out)
    stats = {"margin_rel": rel, "zeros": 0, "min_rel": np.inf, "pos_frac": {}}
    if rel < margin_needed:
        return False, f"top-1 margin {rel:.2e} relative", stats
    for name, v in signs.items():
        v = np.asarray(v, dtype=np.float64)
        rms = float(np.sqrt(np.mean(v * v))) or 1.0
        nz = v[v != 0]
        zeros = int(v.size - nz.size)
        stats["zeros"] += zeros
        stats["pos_frac"][name] = float(np.mean(v > 0))
        if zeros and not zeros_allowed:
            return False, f"{zeros} exact zeros feed Sign({name})", stats
        if nz.size:
            m = float(np.min(np.abs(nz))) / rms
            stats["min_rel"] = min(stats["min_rel"], m)
            if m < SIGN_GUARD:
                return False, f"Sign({name}) input {m:.1e}*rms from zero", stats
    return True, "", stats


# ----------------------------------------------------------------------------------------------------------------
# Inputs

def draw_input(shape: list[int], layout: str, rng: np.random.Generator) -> np.ndarray:
    """One input of the model's ONNX input shape (batch 1).

    layout "ncw": point cloud [1, 3, N]; "nwc": point cloud [1, N, 3]; "nchw": image, roughly standardized.
    Point clouds are shapes roughly inside the unit sphere: points on a randomly stretched, rotated sphere shell
    with some interior points and a small offset, so pooled features differ from cloud to cloud.
    """
    if layout in ("ncw", "nwc"):
        n = shape[2] if layout == "ncw" else shape[1]
        p = rng.normal(size=(n, 3))
        p /= np.linalg.norm(p, axis=1, keepdims=True)
        p *= rng.uniform(0.6, 1.0, size=(n, 1)) ** rng.uniform(0.2, 2.0)
        stretch = rng.uniform(0.35, 1.0, size=3)
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        p = (p * stretch) @ q.T + rng.normal(scale=0.1, size=3)
        p /= max(1.0, float(np.max(np.linalg.norm(p, axis=1))))
        x = p.T[None] if layout == "ncw" else p[None]
    elif layout == "nchw":
        x = rng.normal(size=shape)
        # A little spatial structure (a smooth gradient per channel), still about unit variance.
        _, c, h, w = shape
        yy, xx = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
        for ch in range(c):
            a, b = rng.normal(scale=0.5, size=2)
            x[0, ch] += a * yy + b * xx
    else:
        raise ValueError(layout)
    x = np.asarray(x, dtype=np.float32)
    assert list(x.shape) == list(shape), (x.shape, shape)
    return x


def select_inputs(model: onnx.ModelProto, name: str, shape: list[int], layout: str, zeros_allowed: bool,
                  keep: np.ndarray | None = None, attempt_salt: str = "inputs", log=None) -> tuple[np.ndarray, list]:
    """K screened inputs. Rows of `keep` that still pass (with the check margin) stay where they are; the others
    are replaced by new draws."""
    prober = Prober(model)
    rng = np.random.default_rng(name_seed(name, attempt_salt))
    margin = max(SELECT_MARGIN, CHECK_MARGIN)
    rows = list(keep) if keep is not None else [None] * K_INPUTS
    stats = [None] * K_INPUTS
    for i, x in enumerate(rows):
        if x is not None:
            ok, why, st = screen(prober, x, zeros_allowed, CHECK_MARGIN)
            if ok:
                stats[i] = st
                continue
            if log:
                log(f"{name}: redrawing input {i} ({why})")
        for _ in range(400):
            x = draw_input(shape, layout, rng)
            ok, why, st = screen(prober, x, zeros_allowed, margin)
            if ok:
                rows[i], stats[i] = x, st
                break
        else:
            raise RuntimeError(f"{name}: could not find an input without near-ties in 400 draws (last: {why})")
    return np.stack(rows).astype(np.float32), stats
