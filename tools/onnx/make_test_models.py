#!/usr/bin/env python3
"""Builds the small ONNX test models for the QInferONNX importer tests.

    bash tools/onnx/setup-venv.sh
    .venv/bin/python tools/onnx/make_test_models.py            # onnx.helper models (needs onnx, onnxruntime, numpy)
    .venv/bin/python tools/onnx/make_test_models.py --torch    # also the torch.onnx.export models (.venv-torch)
    .venv/bin/python tools/onnx/reference_outputs.py           # outputs.npy from onnxruntime

Each model goes to Tests/QInferONNXTests/Fixtures/models/<name>/ as model.onnx, inputs.npy (float32, [K] + the
model's input shape, K = 6) and info.json. Everything is deterministic: weights and inputs are drawn from seeds
derived from the model name, and a rerun writes identical bytes. Running without --torch leaves the committed torch
models alone; `--only NAME` rebuilds one model.

Weights are random but shaped like trained ones: BatchNorm running statistics are calibrated on sample inputs (so
activations are centred and scaled as in a trained net), and every BatchNorm whose output is compared against a
constant by a Sign is nudged so the threshold falls half-way between two achievable binary-dot-product values.
Libra-PB weights are redrawn per channel until the power-of-two scale is far from a rounding boundary. Inputs are
screened with onnxruntime (see fixturelib.select_inputs) so that tests never sit on a near-tie.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

IR_FOR_OPSET = {13: 7, 17: 8, 19: 9, 21: 10}

FORMS = {
    "alpha_initializer": "(a) the initializer holds ±α per output channel",
    "sign_weight": "(b) Sign(W) in the graph from an FP initializer, no α",
    "sign_weight_alpha": "(b) Sign(W) in the graph times a per-output-channel α constant",
    "librapb_graph": "(c) Libra-PB in the graph, power-of-two scale computed in the graph",
    "librapb_const": "(c) Libra-PB in the graph, power-of-two scale given as a constant",
}


class Net:
    """A tiny graph builder on onnx.helper with BatchNorm calibration by running the partial graph."""

    def __init__(self, name: str, opset: int, input_shape: list[int], layout: str):
        self.name, self.opset = name, opset
        self.input_shape, self.layout = input_shape, layout
        self.rng = np.random.default_rng(fl.name_seed(name, "weights"))
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.names: dict[str, int] = {}
        self.forms: list[str] = []
        self.paddings: list[str] = []
        self.input = "input"
        crng = np.random.default_rng(fl.name_seed(name, "calibration"))
        self.calib = [fl.draw_input(input_shape, layout, crng) for _ in range(8)]

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        i = self.names.get(hint, 0)
        self.names[hint] = i + 1
        return hint if i == 0 else f"{hint}_{i}"

    def const(self, arr, hint: str, dtype=np.float32) -> str:
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attrs) -> str:
        hint = hint or op_type.lower()
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=self.fresh("n_" + hint), **attrs))
        return out

    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: int, hint=None) -> str:
        if self.opset >= 18:
            return self.op(op_type, [x, self.const(np.array(axes, np.int64), "axes", np.int64)], hint,
                           keepdims=keepdims)
        return self.op(op_type, [x], hint, axes=axes, keepdims=keepdims)

    def use_form(self, form: str):
        if form not in self.forms:
            self.forms.append(form)

    def use_padding(self, p: str):
        if p not in self.paddings:
            self.paddings.append(p)

    def model(self, outputs: list[tuple[str, list[int]]]) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(self.input, TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
            initializer=self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="qinfer-make_test_models", producer_version="1")
        m.ir_version = IR_FOR_OPSET[self.opset]
        return m

    def probe(self, tensor: str) -> np.ndarray:
        """Values of `tensor` on the calibration inputs, stacked on a new leading axis."""
        m = self.model([(tensor, None)])
        sess = fl.session(m)
        return np.stack([sess.run(None, {self.input: x})[0] for x in self.calib])

    # -- layers -------------------------------------------------------------------------------------------------------
    def fp_weight(self, shape, gain=1.0):
        fan_in = int(np.prod(shape[1:]))
        return self.rng.normal(scale=gain / math.sqrt(fan_in), size=shape)

    def conv(self, x, w_name, k, stride=1, pads=None, bias=None, hint="conv"):
        nd = len(k)
        pads = pads if pads is not None else [0] * (2 * nd)
        ins = [x, w_name] + ([bias] if bias else [])
        return self.op("Conv", ins, hint, kernel_shape=list(k), strides=[stride] * nd, pads=pads,
                       dilations=[1] * nd, group=1)

    def fp_conv(self, x, cin, cout, k, stride=1, pad=0, bias=False, gain=1.0, hint="fp_conv"):
        w = self.const(self.fp_weight([cout, cin, *k], gain), hint + "_w")
        b = self.const(self.rng.normal(scale=0.1, size=cout), hint + "_b") if bias else None
        return self.conv(x, w, k, stride, [pad] * (2 * len(k)), b, hint)

    def bn(self, x, C, *, neg_gamma=0.0, zero_beta=0.0, beta_mean=0.0, beta_std=0.3, eps=1e-5, lattice=None,
           threshold=0.0, hint="bn"):
        """BatchNormalization with running statistics calibrated on the sample inputs.

        lattice: per-channel unit s when x only takes values s*k (k integer: a binary layer's output); the running
        mean is then moved so that the output equals `threshold` half-way between two values of k.
        """
        v = self.probe(x).astype(np.float64)
        axes = tuple(i for i in range(v.ndim) if i != 2)  # [calib, N, C, ...]
        m = v.mean(axis=axes)
        sd = v.std(axis=axes)
        sd = np.where(sd > 1e-6, sd, np.maximum(np.abs(m), 1.0))
        rng = self.rng
        gamma = rng.uniform(0.6, 1.4, C) * np.where(rng.random(C) < neg_gamma, -1.0, 1.0)
        beta = rng.normal(beta_mean, beta_std, C)
        if zero_beta:
            zeros = rng.permutation(C)[: max(1, int(round(zero_beta * C)))]
            beta[zeros] = 0.0
        var = (sd * rng.uniform(0.8, 1.25, C)) ** 2
        mean = m + sd * rng.normal(0, 0.1, C)
        if lattice is not None:
            s = np.broadcast_to(np.asarray(lattice, np.float64), (C,))
            shift = (threshold - beta) * np.sqrt(var + eps) / gamma  # output == threshold at x = mean + shift
            kstar = (mean + shift) / s
            target = np.floor(kstar) + 0.5 + rng.uniform(-0.2, 0.2, C)
            mean = target * s - shift
        ins = [x] + [self.const(a, f"{hint}_{n}") for a, n in
                     ((gamma, "scale"), (beta, "bias"), (mean, "mean"), (var, "var"))]
        return self.op("BatchNormalization", ins, hint, epsilon=eps)

    def clip(self, x):
        lo = self.const(np.float32(-1.0), "clip_min")
        hi = self.const(np.float32(1.0), "clip_max")
        return self.op("Clip", [x, lo, hi], "hardtanh")

    def scalar_mul(self, x, v, hint="lsr"):
        return self.op("Mul", [x, self.const(np.float32(v), hint + "_scale")], hint)

    def scalar_add(self, x, v, hint="offset"):
        return self.op("Add", [x, self.const(np.float32(v), hint + "_value")], hint)

    # -- binarized weights ----------------------------------------------------------------------------------------
    def librapb_weights(self, shape, oc_axis, eps):
        """FP weights whose Libra-PB scale is 1 for some channels and 1/2 for others, never near a rounding edge."""
        assert oc_axis == 0
        rng = self.rng
        oc = shape[0]
        per = shape[1:]
        axes = tuple(range(1, len(shape)))
        W = np.empty(shape, np.float32)
        for c in range(oc):
            for _ in range(1000):
                base = rng.normal(size=per)
                if c % 2 == 1:  # heavy-tailed channel: mean|w'| well below 1/sqrt(2) -> scale 2^-1
                    base *= np.where(rng.random(per) < 0.15, 4.0, 0.4)
                w = (base * 0.05 + rng.normal(0, 0.02)).astype(np.float32)
                cen = w - w.mean(dtype=np.float32)
                var = np.mean(cen * cen, dtype=np.float32)
                std = np.sqrt(var + np.float32(eps or 0.0))
                wn = cen / std
                l2 = math.log(float(np.mean(np.abs(wn)))) / math.log(2.0)
                if abs(l2 - (math.floor(l2) + 0.5)) > 0.08 and np.min(np.abs(wn)) > 1e-3:
                    break
            else:
                raise RuntimeError("could not draw Libra-PB weights")
            W[c] = w
        cen = W - W.mean(axis=axes, keepdims=True, dtype=np.float32)
        std = np.sqrt(np.mean(cen * cen, axis=axes, keepdims=True, dtype=np.float32) + np.float32(eps or 0.0))
        wn = cen / std
        scale = np.power(2.0, np.round(np.log(np.mean(np.abs(wn), axis=axes)) / math.log(2.0)))
        return W, scale.astype(np.float64)

    def binary_weight(self, shape, form, *, oc_axis=0, alpha_shape=None, square="mul", eps=None, hint="w"):
        """Returns (name of the tensor the layer consumes as its weight, per-output-channel scale of ±1)."""
        self.use_form(form)
        rng = self.rng
        oc = shape[oc_axis]
        if form == "alpha_initializer":
            alpha = np.round(rng.uniform(0.02, 0.3, oc), 4)
            signs = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
            bshape = [1] * len(shape)
            bshape[oc_axis] = oc
            return self.const(signs * alpha.reshape(bshape), hint), alpha
        if form in ("sign_weight", "sign_weight_alpha"):
            w = self.const(self.fp_weight(shape) if oc_axis == 0 else self.fp_weight(shape[::-1]).T, hint + "_fp")
            b = self.op("Sign", [w], hint + "_sign")
            if form == "sign_weight":
                return b, np.ones(oc)
            alpha = np.round(rng.uniform(0.02, 0.3, oc), 4)
            return self.op("Mul", [b, self.const(alpha.reshape(alpha_shape), hint + "_alpha")], hint), alpha
        if form in ("librapb_graph", "librapb_const"):
            W, scale = self.librapb_weights(shape, oc_axis, eps)
            axes = list(range(1, len(shape)))
            w = self.const(W, hint + "_fp")
            mean = self.reduce("ReduceMean", w, axes, 1, hint + "_mean")
            cen = self.op("Sub", [w, mean], hint + "_centred")
            if square == "mul":
                sq = self.op("Mul", [cen, cen], hint + "_sq")
            else:
                sq = self.op("Pow", [cen, self.const(np.float32(2.0), hint + "_two")], hint + "_sq")
            var = self.reduce("ReduceMean", sq, axes, 1, hint + "_var")
            if eps:
                var = self.op("Add", [var, self.const(np.float32(eps), hint + "_eps")], hint + "_var_eps")
            std = self.op("Sqrt", [var], hint + "_std")
            wn = self.op("Div", [cen, std], hint + "_std_w")
            b = self.op("Sign", [wn], hint + "_sign")
            if form == "librapb_graph":
                a = self.op("Abs", [wn], hint + "_abs")
                am = self.reduce("ReduceMean", a, axes, 1, hint + "_absmean")
                lg = self.op("Log", [am], hint + "_log")
                l2 = self.op("Div", [lg, self.const(np.float32(math.log(2.0)), hint + "_ln2")], hint + "_log2")
                r = self.op("Round", [l2], hint + "_round")
                sc = self.op("Pow", [self.const(np.float32(2.0), hint + "_base"), r], hint + "_scale")
            else:
                sc = self.const(scale.reshape([-1] + [1] * (len(shape) - 1)), hint + "_scale")
            return self.op("Mul", [b, sc], hint), scale
        raise ValueError(form)

    def bin_conv(self, x, cin, cout, k, form, *, stride=1, padding="zero", pad_axes_input=False, sign=None,
                 hint="bconv", **wkw):
        """Sign(x) -> [Pad(1.0)] -> Conv with a binarized weight; returns (output, per-channel scale)."""
        nd = len(k)
        alpha_shape = [cout] + [1] * (nd + 1)
        w, s = self.binary_weight([cout, cin, *k], form, alpha_shape=alpha_shape, hint=hint + "_w", **wkw)
        sx = sign or self.op("Sign", [x], hint + "_in_sign")
        half = [(kk - 1) // 2 for kk in k]
        if padding == "zero":
            self.use_padding("zero")
            return self.conv(sx, w, k, stride, half * 2, None, hint), s
        if padding == "one":
            self.use_padding("one")
            if pad_axes_input:  # opset >= 18: pads only for the listed axes
                pads = self.const(np.array(half * 2, np.int64), hint + "_pads", np.int64)
                axes = self.const(np.array(list(range(2, 2 + nd)), np.int64), hint + "_pad_axes", np.int64)
                ins = [sx, pads, self.const(np.float32(1.0), hint + "_pad_value"), axes]
            else:
                pads = self.const(np.array([0, 0] + half + [0, 0] + half, np.int64), hint + "_pads", np.int64)
                ins = [sx, pads, self.const(np.float32(1.0), hint + "_pad_value")]
            padded = self.op("Pad", ins, hint + "_pad_ones", mode="constant")
            return self.conv(padded, w, k, stride, [0] * (2 * nd), None, hint), s
        assert padding == "none"
        return self.conv(sx, w, k, stride, [0] * (2 * nd), None, hint), s

    def bin_gemm(self, x, cin, cout, form, bias=False, hint="bgemm", **wkw):
        w, s = self.binary_weight([cout, cin], form, alpha_shape=[cout, 1], hint=hint + "_w", **wkw)
        sx = self.op("Sign", [x], hint + "_in_sign")
        ins = [sx, w] + ([self.const(self.rng.normal(0, 0.1, cout), hint + "_b")] if bias else [])
        return self.op("Gemm", ins, hint, transB=1), s

    def bin_matmul(self, x, cin, cout, form, hint="bmatmul", **wkw):
        w, s = self.binary_weight([cin, cout], form, oc_axis=1, alpha_shape=[cout], hint=hint + "_w", **wkw)
        sx = self.op("Sign", [x], hint + "_in_sign")
        return self.op("MatMul", [sx, w], hint), s

    def head_weights(self, x, cin, cout, spread=1.5):
        """A final FP layer [cout, cin] and bias scaled like a trained classifier's on the calibration inputs:
        logits centred per class (no class wins on every input) with a spread of about `spread`."""
        w = self.fp_weight([cout, cin])
        f = self.probe(x).reshape(len(self.calib), cin).astype(np.float64)
        mean = f.mean(axis=0)
        sd = float(np.std((f - mean) @ w.T)) or 1.0
        w *= spread / sd
        b = -w @ mean + self.rng.normal(0, 0.2 * spread, cout)
        return w, b

    def fp_gemm(self, x, cin, cout, spread=1.5, hint="fc"):
        w, b = self.head_weights(x, cin, cout, spread)
        return self.op("Gemm", [x, self.const(w, hint + "_w"), self.const(b, hint + "_b")], hint, transB=1)

    def ir_block(self, h, cin, cout, form, *, stride=1, padding="zero", shortcut=None, pad_axes_input=False,
                 bn_kw=None, sc_form=None, share_sign=False, hint="block", **wkw):
        """IR-Net basic block: Sign -> Conv 3x3 -> BN -> Add(shortcut) -> Clip(-1, 1)."""
        sign = self.op("Sign", [h], hint + "_sign") if share_sign else None
        z, _ = self.bin_conv(h, cin, cout, (3, 3), form, stride=stride, padding=padding, sign=sign,
                             pad_axes_input=pad_axes_input, hint=hint + "_conv", **wkw)
        y = self.bn(z, cout, hint=hint + "_bn", **(bn_kw or {}))
        if shortcut is None:
            sc = h
        elif shortcut == "fp":
            sc = self.bn(self.fp_conv(h, cin, cout, (1, 1), stride=stride, hint=hint + "_down"), cout,
                         hint=hint + "_down_bn")
        elif shortcut == "binary":
            zs, _ = self.bin_conv(h, cin, cout, (1, 1), sc_form, stride=stride, padding="none", sign=sign,
                                  hint=hint + "_down")
            sc = self.bn(zs, cout, hint=hint + "_down_bn")
        elif shortcut == "avgpool_fp":
            p = self.op("AveragePool", [h], hint + "_down_pool", kernel_shape=[2, 2], strides=[2, 2])
            sc = self.bn(self.fp_conv(p, cin, cout, (1, 1), hint=hint + "_down"), cout, hint=hint + "_down_bn")
        else:
            raise ValueError(shortcut)
        return self.clip(self.op("Add", [y, sc], hint + "_add"))


# ----------------------------------------------------------------------------------------------------------------
# The models

def pointnet_hardtanh_alpha():
    n = Net("pointnet_hardtanh_alpha", 17, [1, 3, 128], "ncw")
    h = n.clip(n.bn(n.fp_conv(n.input, 3, 33, (1,), hint="stem"), 33, hint="stem_bn"))
    z, s = n.bin_conv(h, 33, 65, (1,), "alpha_initializer", padding="none", hint="b1")
    z = n.scalar_mul(z, 0.75, "b1_lsr")
    h = n.bn(z, 65, lattice=s * 0.75, neg_gamma=0.3, zero_beta=0.2, hint="b1_bn")
    z, s = n.bin_conv(h, 65, 129, (1,), "sign_weight_alpha", padding="none", hint="b2")
    z = n.scalar_mul(z, 1.25, "b2_lsr")
    h = n.bn(z, 129, lattice=s * 1.25, threshold=3.2, neg_gamma=0.3, zero_beta=0.1, beta_mean=0.9, beta_std=0.5,
             hint="b2_bn")
    f = n.reduce("ReduceMax", h, [2], 0, "maxpool")
    f = n.scalar_add(f, -3.2, "ema_offset")
    z, s = n.bin_gemm(f, 129, 65, "alpha_initializer", hint="fc1")
    h = n.op("Relu", [n.bn(z, 65, hint="fc1_bn")], "fc1_relu")
    out = n.fp_gemm(h, 65, 7, hint="logits")
    return n, n.model([(out, [1, 7])]), dict(
        family="pointnet",
        description="BiPointNet-like: FP Conv1d 3->33+BN+hardtanh; binary Conv1d 33->65 and 65->129 with LSR Mul "
                    "and BN (BN->Sign threshold between them, gammas of both signs, some zero betas); ReduceMax "
                    "over points (keepdims 0); Add -3.2; binary Gemm 129->65+BN+Relu; FP Gemm -> 7",
        padding="none (all convolutions are 1x1)", sign_input_zeros=False)


def pointnet_relu_librapb():
    n = Net("pointnet_relu_librapb", 17, [1, 3, 64], "ncw")
    h = n.op("Relu", [n.bn(n.fp_conv(n.input, 3, 20, (1,), bias=True, hint="stem"), 20, hint="stem_bn")],
             "stem_relu")
    z, s = n.bin_conv(h, 20, 47, (1,), "librapb_graph", padding="none", square="pow", eps=1e-5, hint="b1")
    z = n.scalar_mul(z, 0.6, "b1_lsr")
    h = n.bn(z, 47, lattice=s * 0.6, zero_beta=0.3, hint="b1_bn")
    z, s = n.bin_conv(h, 47, 101, (1,), "sign_weight", padding="none", hint="b2")
    z = n.scalar_mul(z, 0.2, "b2_lsr")  # no BatchNorm after this binary layer
    f = n.reduce("ReduceMax", z, [2], 1, "maxpool")
    f = n.op("Squeeze", [f, n.const(np.array([2], np.int64), "squeeze_axes", np.int64)], "squeeze")
    f = n.scalar_add(f, -3.2, "ema_offset")
    z, s = n.bin_gemm(f, 101, 33, "sign_weight_alpha", hint="fc1")
    h = n.clip(n.bn(z, 33, hint="fc1_bn"))
    out = n.fp_gemm(h, 33, 5, hint="logits")
    return n, n.model([(out, [1, 5])]), dict(
        family="pointnet",
        description="BiPointNet-like with Sign fed by Relu (Sign sees exact zeros: ONNX Sign(0) = 0): FP Conv1d "
                    "3->20 (bias)+BN+Relu; binary Conv1d 20->47 Libra-PB (Pow, eps, scale in graph)+LSR+BN; binary "
                    "Conv1d 47->101 Sign(W) with only the LSR Mul (no BN); ReduceMax keepdims 1 + Squeeze; "
                    "Add -3.2; binary Gemm 101->33 Sign(W)*alpha[oc,1]+BN+hardtanh; FP Gemm -> 5",
        padding="none (all convolutions are 1x1)", sign_input_zeros=True)


def pointnet_opset13_mean():
    n = Net("pointnet_opset13_mean", 13, [1, 3, 96], "ncw")
    h = n.clip(n.bn(n.fp_conv(n.input, 3, 17, (1,), hint="stem"), 17, hint="stem_bn"))
    z, s = n.bin_conv(h, 17, 65, (1,), "alpha_initializer", padding="none", hint="b1")
    z = n.scalar_mul(z, 0.5, "b1_lsr")
    h = n.bn(z, 65, lattice=s * 0.5, neg_gamma=0.5, zero_beta=0.1, eps=1e-3, hint="b1_bn")
    z, s = n.bin_conv(h, 65, 33, (1,), "librapb_const", padding="none", hint="b2")
    z = n.scalar_mul(z, 1.5, "b2_lsr")
    h = n.bn(z, 33, beta_std=0.4, hint="b2_bn")
    f = n.reduce("ReduceMean", h, [2], 1, "avgpool")
    f = n.op("Flatten", [f], "flatten", axis=1)
    f = n.scalar_add(f, -0.05, "ema_offset")
    z, s = n.bin_gemm(f, 33, 65, "librapb_graph", hint="fc1")
    h = n.op("Relu", [n.bn(z, 65, zero_beta=0.2, hint="fc1_bn")], "fc1_relu")
    out = n.fp_gemm(h, 65, 10, hint="logits")
    return n, n.model([(out, [1, 10])]), dict(
        family="pointnet",
        description="BiPointNet-like at opset 13 (Reduce* axes as attributes) with average pooling: FP Conv1d "
                    "3->17+BN+hardtanh; binary Conv1d 17->65 (±alpha)+LSR+BN (half the gammas negative, eps 1e-3) "
                    "-> Sign; binary Conv1d 65->33 Libra-PB (constant scale)+LSR+BN; ReduceMean over points "
                    "keepdims 1 + Flatten; Add -0.05; binary Gemm 33->65 Libra-PB (scale in graph)+BN+Relu; "
                    "FP Gemm -> 10",
        padding="none (all convolutions are 1x1)", sign_input_zeros=False)


def pointnet_nwc_matmul():
    n = Net("pointnet_nwc_matmul", 21, [1, 200, 3], "nwc")
    w0 = n.const(n.fp_weight([31, 3]).T, "stem_w")
    h = n.op("MatMul", [n.input, w0], "stem")
    h = n.clip(n.op("Add", [h, n.const(n.rng.normal(0, 0.1, 31), "stem_b")], "stem_bias"))
    z, s = n.bin_matmul(h, 31, 65, "sign_weight_alpha", hint="b1")
    z = n.scalar_mul(z, 0.9, "b1_lsr")
    t = n.op("Transpose", [z], "to_ncw", perm=[0, 2, 1])
    t = n.bn(t, 65, lattice=s * 0.9, zero_beta=0.2, neg_gamma=0.2, hint="b1_bn")
    h = n.op("Transpose", [t], "to_nwc", perm=[0, 2, 1])
    z, s = n.bin_matmul(h, 65, 129, "alpha_initializer", hint="b2")
    z = n.scalar_mul(z, 1.1, "b2_lsr")
    s = s * 1.1
    # Per-channel bias on the last axis, placed so that max_points(z) - 3.2 crosses 0 between two values of k.
    v = n.probe(z).reshape(-1, 129).astype(np.float64)
    kmax = np.quantile(v, 0.99, axis=0) / s
    target = np.round(kmax) + 0.5 + n.rng.uniform(-0.2, 0.2, 129) + np.round(n.rng.normal(0, 1.0, 129))
    bias = 3.2 - target * s
    z = n.op("Add", [z, n.const(bias, "b2_bias")], "b2_biased")
    f = n.reduce("ReduceMax", z, [1], 0, "maxpool")
    f = n.scalar_add(f, -3.2, "ema_offset")
    z, s = n.bin_gemm(f, 129, 47, "librapb_graph", bias=True, eps=1e-8, hint="fc1")
    h = n.op("Relu", [n.bn(z, 47, hint="fc1_bn")], "fc1_relu")
    w, b = n.head_weights(h, 47, 6)
    out = n.op("Add", [n.op("MatMul", [h, n.const(w.T, "logits_w")], "logits_mm"), n.const(b, "logits_b")],
               "logits")
    return n, n.model([(out, [1, 6])]), dict(
        family="pointnet",
        description="BiPointNet-like on [1, N, 3] at opset 21 (Reduce* axes as inputs): FP MatMul+Add 3->31+"
                    "hardtanh; binary MatMul 31->65 Sign(W)*alpha[oc] (weight [K, N]: output channel is the last "
                    "axis)+LSR, Transpose->BN->Transpose, Sign; binary MatMul 65->129 (±alpha per column)+LSR+"
                    "per-channel Add; ReduceMax over points (axis 1, keepdims 0); Add -3.2; binary Gemm 129->47 "
                    "Libra-PB (eps 1e-8, scale in graph, bias)+BN+Relu; FP MatMul+Add -> 6",
        padding="none (pointwise layers)", sign_input_zeros=False)


def irnet_s2_fpshortcut():
    n = Net("irnet_s2_fpshortcut", 17, [1, 3, 16, 16], "nchw")
    h = n.clip(n.bn(n.fp_conv(n.input, 3, 17, (3, 3), pad=1, hint="stem"), 17, hint="stem_bn"))
    h = n.ir_block(h, 17, 17, "alpha_initializer", bn_kw=dict(zero_beta=0.3), hint="block1")
    h = n.ir_block(h, 17, 33, "sign_weight_alpha", stride=2, shortcut="fp", hint="block2")
    g = n.op("Flatten", [n.op("GlobalAveragePool", [h], "gap")], "flatten", axis=1)
    out = n.fp_gemm(g, 33, 10, hint="logits")
    return n, n.model([(out, [1, 10])]), dict(
        family="irnet",
        description="IR-Net-like: FP stem Conv 3x3 3->17+BN+hardtanh; binary block 17->17 (±alpha, zero pad); "
                    "binary block 17->33 stride 2 (Sign(W)*alpha[oc,1,1,1]) with FP 1x1 stride-2 Conv+BN "
                    "shortcut; GlobalAveragePool+Flatten; FP Gemm -> 10",
        padding="zero (pads=1 on the binary 3x3 convs)", sign_input_zeros=False)


def irnet_onepad_librapb():
    n = Net("irnet_onepad_librapb", 19, [1, 1, 15, 15], "nchw")
    h = n.clip(n.bn(n.fp_conv(n.input, 1, 20, (3, 3), pad=1, hint="stem"), 20, hint="stem_bn"))
    h = n.ir_block(h, 20, 20, "librapb_graph", padding="one", pad_axes_input=True, eps=1e-5, hint="block1")
    h = n.ir_block(h, 20, 33, "librapb_graph", stride=2, padding="one", shortcut="binary", sc_form="librapb_const",
                   share_sign=True, square="pow", bn_kw=dict(neg_gamma=0.3, zero_beta=0.2), hint="block2")
    h = n.ir_block(h, 33, 33, "librapb_const", padding="one", hint="block3")
    g = n.op("Reshape", [n.op("GlobalAveragePool", [h], "gap"), n.const(np.array([1, 33], np.int64), "shape",
                                                                         np.int64)], "reshape")
    out = n.fp_gemm(g, 33, 6, hint="logits")
    return n, n.model([(out, [1, 6])]), dict(
        family="irnet",
        description="IR-Net-like, 1-channel 15x15 input, opset 19, 'one padding' (Sign -> Pad constant 1.0 -> Conv "
                    "pads 0): FP stem 1->20+BN+hardtanh; block 20->20 Libra-PB (Mul square, eps, scale in graph; "
                    "Pad with axes input); block 20->33 stride 2 Libra-PB (Pow, no eps) whose shortcut is a binary "
                    "1x1 stride-2 Conv (Libra-PB, constant scale) sharing the block's Sign; block 33->33 Libra-PB "
                    "(constant scale); GlobalAveragePool+Reshape [1,33]; FP Gemm -> 6",
        padding="one (Pad value 1.0 on H/W before the binary 3x3 convs)", sign_input_zeros=False)


def irnet_avgpool_softmax():
    n = Net("irnet_avgpool_softmax", 13, [1, 3, 12, 12], "nchw")
    h = n.clip(n.bn(n.fp_conv(n.input, 3, 33, (3, 3), pad=1, hint="stem"), 33, hint="stem_bn"))
    h = n.ir_block(h, 33, 33, "librapb_graph", bn_kw=dict(neg_gamma=0.4, zero_beta=0.3), hint="block1")
    h = n.ir_block(h, 33, 65, "sign_weight", stride=2, shortcut="avgpool_fp", hint="block2")
    g = n.op("Flatten", [n.op("GlobalAveragePool", [h], "gap")], "flatten", axis=1)
    out = n.op("Softmax", [n.fp_gemm(g, 65, 9, hint="fc")], "probs", axis=1)
    return n, n.model([(out, [1, 9])]), dict(
        family="irnet",
        description="IR-Net-like at opset 13 ending in Softmax: FP stem 3->33+BN+hardtanh; block 33->33 Libra-PB "
                    "(Mul square, no eps, scale in graph; BN gammas of both signs, some zero betas); block 33->65 "
                    "stride 2 Sign(W) without alpha, shortcut AveragePool 2x2 -> FP 1x1 Conv+BN; "
                    "GlobalAveragePool+Flatten; FP Gemm -> 9; Softmax",
        padding="zero (pads=1 on the binary 3x3 convs)", sign_input_zeros=False)


def irnet_relu_maxpool():
    n = Net("irnet_relu_maxpool", 17, [1, 3, 20, 20], "nchw")
    h = n.op("Relu", [n.bn(n.fp_conv(n.input, 3, 20, (3, 3), pad=1, hint="stem"), 20, hint="stem_bn")],
             "stem_relu")
    h = n.op("MaxPool", [h], "maxpool", kernel_shape=[2, 2], strides=[2, 2])
    h = n.ir_block(h, 20, 20, "alpha_initializer", hint="block1")
    h = n.ir_block(h, 20, 47, "sign_weight_alpha", stride=2, shortcut="fp", bn_kw=dict(zero_beta=0.2),
                   hint="block2")
    h = n.ir_block(h, 47, 47, "librapb_const", bn_kw=dict(neg_gamma=0.2), hint="block3")
    g = n.op("Flatten", [n.op("GlobalAveragePool", [h], "gap")], "flatten", axis=1)
    out = n.fp_gemm(g, 47, 5, hint="logits")
    return n, n.model([(out, [1, 5])]), dict(
        family="irnet",
        description="IR-Net-like with the stem Relu feeding the first Sign (Sign sees exact zeros: ONNX Sign(0) = "
                    "0): FP stem 3->20+BN+Relu; MaxPool 2x2; block 20->20 (±alpha); block 20->47 stride 2 "
                    "(Sign(W)*alpha) with FP 1x1 stride-2 Conv+BN shortcut; block 47->47 Libra-PB (constant "
                    "scale); GlobalAveragePool+Flatten; FP Gemm -> 5",
        padding="zero (pads=1 on the binary 3x3 convs)", sign_input_zeros=True)


def unmatched_sign():
    n = Net("unmatched_sign", 17, [1, 3, 12, 12], "nchw")
    h = n.clip(n.bn(n.fp_conv(n.input, 3, 7, (3, 3), pad=1, hint="stem"), 7, hint="stem_bn"))
    sx = n.op("Sign", [h], "sign")
    z = n.conv(sx, n.const(n.fp_weight([9, 7, 3, 3]), "conv_w"), (3, 3), 1, [1, 1, 1, 1], None, "conv")
    h = n.op("Relu", [n.bn(z, 9, hint="conv_bn")], "relu")
    g = n.op("Flatten", [n.op("GlobalAveragePool", [h], "gap")], "flatten", axis=1)
    out = n.fp_gemm(g, 9, 5, hint="logits")
    return n, n.model([(out, [1, 5])]), dict(
        family="irnet", negative=True,
        description="Negative case: a Sign feeds a 3x3 Conv 7->9 whose weight is a plain FP initializer (not ±alpha, "
                    "not Sign(W)); --strict must refuse it, without --strict it stays FP32 and matches onnxruntime",
        padding="zero (pads=1)", sign_input_zeros=False)


HELPER_MODELS = [pointnet_hardtanh_alpha, pointnet_relu_librapb, pointnet_opset13_mean, pointnet_nwc_matmul,
                 irnet_s2_fpshortcut, irnet_onepad_librapb, irnet_avgpool_softmax, irnet_relu_maxpool,
                 unmatched_sign]


# ----------------------------------------------------------------------------------------------------------------

def ops_used(model: onnx.ModelProto) -> list[str]:
    seen = []
    for node in model.graph.node:
        if node.op_type not in seen:
            seen.append(node.op_type)
    return seen


def finish(model: onnx.ModelProto, name: str, info: dict, shape: list[int], layout: str, log) -> None:
    onnx.checker.check_model(model, full_check=True)
    out_dir = fl.FIXTURES / name
    out_dir.mkdir(parents=True, exist_ok=True)
    data = model.SerializeToString()
    if len(data) >= 300 * 1024:
        raise RuntimeError(f"{name}: model is {len(data)} bytes (limit 300 KB)")
    inputs, stats = fl.select_inputs(model, name, shape, layout, info["sign_input_zeros"], log=log)
    if info["sign_input_zeros"] and not any(st["zeros"] for st in stats):
        raise RuntimeError(f"{name}: info says Sign sees exact zeros but none of the inputs produce any")
    (out_dir / "model.onnx").write_bytes(data)
    fl.save_npy(out_dir / "inputs.npy", inputs)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    full = dict(family=info["family"], description=info["description"], binarization=info["binarization"],
                padding=info["padding"], builder=info["builder"], opset=opset, ir_version=model.ir_version,
                input_name=model.graph.input[0].name, input_shape=shape, layout=layout,
                output_name=model.graph.output[0].name, classes=int(np.prod(
                    [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim])),
                sign_input_zeros=info["sign_input_zeros"], negative=info.get("negative", False),
                ops=ops_used(model), bytes=len(data))
    for k in ("torch", "export", "torch_vs_onnxruntime_max_abs_diff"):
        if k in info:
            full[k] = info[k]
    fl.write_json(out_dir / "info.json", full)
    pos = [v for st in stats for v in st["pos_frac"].values()]
    log(f"{name}: {len(data)} bytes, opset {opset}, forms {','.join(info['binarization']) or '-'}; "
        f"min top-1 margin {min(st['margin_rel'] for st in stats):.3f} rel; "
        f"Sign inputs positive {min(pos, default=0):.2f}..{max(pos, default=0):.2f}, "
        f"nearest to 0 {min(st['min_rel'] for st in stats):.1e}*rms")


def build_helper(fn, log) -> None:
    net, model, info = fn()
    info.update(binarization=net.forms, builder="onnx.helper")
    finish(model, net.name, info, net.input_shape, net.layout, log)


def torch_python() -> Path | None:
    py = fl.ROOT / ".venv-torch" / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import torch"], capture_output=True).returncode == 0:
        return py
    return None


def build_torch(log, only: str | None) -> None:
    """Exports the torch models with .venv-torch's python (torch_models.py), then screens inputs here."""
    import json

    py = torch_python()
    if py is None:
        raise SystemExit("make_test_models: --torch needs .venv-torch with torch (.venv-torch/bin/python -c "
                         "'import torch' fails)")
    script = Path(__file__).resolve().parent / "torch_models.py"
    cmd = [str(py), str(script), "--out", str(fl.FIXTURES)] + (["--only", only] if only else [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit("make_test_models: torch export failed")
    for line in res.stdout.splitlines():
        meta = json.loads(line)
        out_dir = fl.FIXTURES / meta["name"]
        model = onnx.load(str(out_dir / "model.onnx"))
        info = dict(meta["info"], builder="torch")
        info["torch"] = meta["torch_version"]
        # The exported graph must compute what the module computed: same calibration inputs as torch_models.py.
        rng = np.random.default_rng(fl.name_seed(meta["name"], "calibration"))
        calib = np.stack([fl.draw_input(meta["input_shape"], meta["layout"], rng) for _ in range(8)])
        diff = float(np.max(np.abs(fl.run_outputs(out_dir / "model.onnx", calib) - np.array(meta["calib_outputs"]))))
        if diff > 1e-4:
            raise SystemExit(f"make_test_models: {meta['name']}: onnxruntime differs from torch by {diff:.3g}")
        info["torch_vs_onnxruntime_max_abs_diff"] = float(f"{diff:.3g}")
        finish(model, meta["name"], info, meta["input_shape"], meta["layout"], log)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--torch", action="store_true", help="also export the torch models (needs .venv-torch)")
    ap.add_argument("--only", help="build only this model")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    log = (lambda *_: None) if args.quiet else (lambda m: print(m, flush=True))
    fns = [f for f in HELPER_MODELS if not args.only or f.__name__ == args.only]
    for fn in fns:
        build_helper(fn, log)
    if args.torch:
        build_torch(log, args.only if args.only and not fns else None)
    elif not fns and args.only:
        raise SystemExit(f"make_test_models: no helper model named {args.only} (torch models need --torch)")


if __name__ == "__main__":
    main()
