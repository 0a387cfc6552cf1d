#!/usr/bin/env python3
"""Small BiPointNet-like and IR-Net-like PyTorch modules exported with torch.onnx.export.

Run by `make_test_models.py --torch` with .venv-torch's python (it needs torch, numpy and onnx there); not meant to
be run by hand. It writes <out>/<name>/model.onnx and prints one JSON line per model on stdout; make_test_models.py
then screens inputs with onnxruntime, writes inputs.npy and info.json, and compares onnxruntime's outputs with the
torch outputs printed here.

The modules binarize in forward as IR-Net's and BiPointNet's training code does: torch.sign on the activation, and
on the weight either sign(W) with a layer-wise scale (BiPointNet's LSR) or Libra-PB (per-output-channel
standardization with torch.std, sign, power-of-two scale). Parameters are drawn from numpy with name-derived seeds
and BatchNorm running statistics are calibrated on sample inputs, so the export is reproducible.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

LN2 = math.log(2.0)


class BiConv1dLSR(nn.Module):
    """Pointwise binary conv: sign(x) * sign(W), times a learned layer-wise scale (LSR)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, 1))
        self.lsr = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return F.conv1d(torch.sign(x), torch.sign(self.weight)) * self.lsr


class BiLinearLSR(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin))
        self.lsr = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return F.linear(torch.sign(x), torch.sign(self.weight)) * self.lsr


class BiPointNet(nn.Module):
    def __init__(self, classes, offset=-3.2):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv1d(3, 33, 1), nn.BatchNorm1d(33)
        self.conv2, self.bn2 = BiConv1dLSR(33, 65), nn.BatchNorm1d(65)
        self.conv3, self.bn3 = BiConv1dLSR(65, 129), nn.BatchNorm1d(129)
        self.offset = offset  # the EMA-max offset, a plain constant after training
        self.fc1, self.bn4 = BiLinearLSR(129, 65), nn.BatchNorm1d(65)
        self.fc2 = nn.Linear(65, classes)

    def forward(self, x):
        x = F.hardtanh(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = self.bn3(self.conv3(x))
        x = torch.max(x, 2, keepdim=True)[0].view(-1, 129) + self.offset
        x = F.hardtanh(self.bn4(self.fc1(x)))
        return self.fc2(x)


def libra_pb(w: torch.Tensor) -> torch.Tensor:
    """IR-Net's Libra-PB on a conv weight [oc, ...]: standardize per output channel, sign, 2^round(log2 mean|w'|)."""
    oc = w.shape[0]
    shape = (oc,) + (1,) * (w.dim() - 1)
    cen = w - w.reshape(oc, -1).mean(-1).reshape(shape)
    std_w = cen / cen.reshape(oc, -1).std(-1).reshape(shape)
    scale = torch.pow(2.0, torch.round(torch.log(std_w.abs().reshape(oc, -1).mean(-1)) / LN2)).reshape(shape)
    return torch.sign(std_w) * scale


class IRConv2d(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(torch.sign(x), libra_pb(self.weight), None, self.stride, self.padding)


class IRBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = IRConv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.hardtanh(self.bn(self.conv(x)) + (x if self.down is None else self.down(x)))


class IRNet(nn.Module):
    def __init__(self, cin, classes):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, 20, 3, 1, 1, bias=False), nn.BatchNorm2d(20)
        self.layers = nn.Sequential(IRBlock(20, 20, 1), IRBlock(20, 33, 2), IRBlock(33, 33, 1))
        self.fc = nn.Linear(33, classes)

    def forward(self, x):
        x = F.hardtanh(self.bn1(self.conv1(x)))
        x = self.layers(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------------------------------
# Deterministic parameters

def libra_pb_weight(rng, shape):
    """Per-channel weights whose Libra-PB scale (torch.std, unbiased) is far from a rounding boundary; odd
    channels heavy-tailed so both 2^0 and 2^-1 occur."""
    w = np.empty(shape)
    for c in range(shape[0]):
        while True:
            base = rng.normal(size=shape[1:])
            if c % 2:
                base *= np.where(rng.random(shape[1:]) < 0.15, 4.0, 0.4)
            v = base * 0.05 + rng.normal(0, 0.02)
            cen = v - v.mean()
            wn = cen / cen.std(ddof=1)
            l2 = math.log(np.mean(np.abs(wn))) / LN2
            if abs(l2 - (math.floor(l2) + 0.5)) > 0.08 and np.min(np.abs(wn)) > 1e-3:
                break
        w[c] = v
    return w


def init_params(model: nn.Module, rng, libra_pb_modules=()):
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Linear, BiConv1dLSR, BiLinearLSR)):
                shape = tuple(mod.weight.shape)
                if mod in libra_pb_modules:
                    w = libra_pb_weight(rng, shape)
                else:
                    w = rng.normal(scale=1.0 / math.sqrt(np.prod(shape[1:])), size=shape)
                mod.weight.copy_(torch.from_numpy(w))
                if getattr(mod, "bias", None) is not None:
                    mod.bias.copy_(torch.from_numpy(rng.normal(0, 0.1, shape[0])))
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = mod.num_features
                neg = np.where(rng.random(c) < 0.25, -1.0, 1.0)
                mod.weight.copy_(torch.from_numpy(rng.uniform(0.6, 1.4, c) * neg))
                beta = rng.normal(0, 0.3, c)
                beta[rng.permutation(c)[: max(1, c // 6)]] = 0.0
                mod.bias.copy_(torch.from_numpy(beta))


def calibrate(model: nn.Module, calib: torch.Tensor):
    """BatchNorm running statistics = the statistics of the calibration batch (momentum None, one pass)."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        model(calib)
    model.eval()
    for bn in bns:
        bn.momentum = 0.1


def calibrate_head(model: nn.Module, fc: nn.Linear, calib: torch.Tensor, rng, spread=1.5):
    """Scale the final Linear like a trained classifier's: logits centred per class over the calibration inputs
    (no class wins on every input), spread about `spread`."""
    feats = []
    hook = fc.register_forward_hook(lambda mod, inp, out: feats.append(inp[0].detach().double().numpy()))
    with torch.no_grad():
        model(calib)
    hook.remove()
    f = feats[0]
    mean = f.mean(axis=0)
    w = fc.weight.detach().double().numpy()
    sd = float(np.std((f - mean) @ w.T)) or 1.0
    w = w * spread / sd
    b = -w @ mean + rng.normal(0, 0.2 * spread, w.shape[0])
    with torch.no_grad():
        fc.weight.copy_(torch.from_numpy(w))
        fc.bias.copy_(torch.from_numpy(b))


def lattice_adjust(bn: nn.modules.batchnorm._BatchNorm, unit: float, threshold: float, rng):
    """Move the running mean so that BN(unit * k) == threshold half-way between two integers k."""
    with torch.no_grad():
        g = bn.weight.double().numpy()
        b = bn.bias.double().numpy()
        var = bn.running_var.double().numpy()
        mean = bn.running_mean.double().numpy()
        shift = (threshold - b) * np.sqrt(var + bn.eps) / g
        kstar = (mean + shift) / unit
        target = np.floor(kstar) + 0.5 + rng.uniform(-0.2, 0.2, kstar.shape)
        bn.running_mean.copy_(torch.from_numpy(target * unit - shift))


# ----------------------------------------------------------------------------------------------------------------

def export(model, x, path: Path, **kw) -> str:
    buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), input_names=["input"], output_names=["logits"], **kw)
    return buf.getvalue()


def calib_inputs(name, shape, layout):
    rng = np.random.default_rng(fl.name_seed(name, "calibration"))
    return np.stack([fl.draw_input(shape, layout, rng)[0] for _ in range(8)]).astype(np.float32)


def build_bipointnet(name):
    shape, layout = [1, 3, 160], "ncw"
    rng = np.random.default_rng(fl.name_seed(name, "weights"))
    m = BiPointNet(classes=8)
    init_params(m, rng)
    with torch.no_grad():
        m.conv2.lsr.fill_(0.2)
        m.conv3.lsr.fill_(0.12)
        m.fc1.lsr.fill_(0.1)
        m.bn3.bias.copy_(torch.from_numpy(rng.normal(0.9, 0.5, 129)))
    calib = calib_inputs(name, shape, layout)
    calibrate(m, torch.from_numpy(calib))
    lattice_adjust(m.bn2, 0.2, 0.0, rng)
    lattice_adjust(m.bn3, 0.12, 3.2, rng)
    calibrate_head(m, m.fc2, torch.from_numpy(calib), rng)
    return m, shape, layout, calib, dict(
        family="pointnet",
        description="torch BiPointNet-like (sign(x) * sign(W) * LSR in forward), TorchScript exporter with "
                    "do_constant_folding=True: it fused the FP Conv1d 3->33 with its BN (Conv with bias) but kept "
                    "Sign(W) on the FP parameters; binary Conv1d 33->65 and 65->129 (Sign(W), LSR Mul, BN); "
                    "torch.max over points -> ReduceMax keepdims 1 + Reshape [-1, 129]; Add -3.2; binary Linear "
                    "129->65 -> Sign(x) MatMul Transpose(Sign(W)), LSR Mul, BN on [1, 65], hardtanh; FP Gemm -> 8; "
                    "scalars as Constant nodes",
        binarization=["sign_weight"], padding="none (pointwise layers)", sign_input_zeros=False)


def build_irnet(name, shape):
    layout = "nchw"
    rng = np.random.default_rng(fl.name_seed(name, "weights"))
    m = IRNet(cin=shape[1], classes=7)
    init_params(m, rng, libra_pb_modules=[blk.conv for blk in m.layers])
    calib = calib_inputs(name, shape, layout)
    calibrate(m, torch.from_numpy(calib))
    calibrate_head(m, m.fc, torch.from_numpy(calib), rng)
    return m, shape, layout, calib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)

    jobs = []

    def bipointnet():
        name = "torch_bipointnet_folded"
        m, shape, layout, calib, info = build_bipointnet(name)
        kw = dict(dynamo=False, do_constant_folding=True, opset_version=17)
        info["export"] = "torch.onnx.export(dynamo=False, do_constant_folding=True, opset_version=17)"
        return name, m, shape, layout, calib, info, kw

    def irnet_ts():
        name = "torch_irnet_librapb"
        m, shape, layout, calib = build_irnet(name, [1, 3, 14, 14])
        kw = dict(dynamo=False, do_constant_folding=False, opset_version=17)
        info = dict(
            family="irnet",
            description="torch IR-Net-like with Libra-PB computed in forward from the FP weights (torch.std, "
                        "unbiased), exported with the TorchScript exporter, do_constant_folding=False so the "
                        "Libra-PB arithmetic stays in the graph (with Shape/Gather/ReduceProd/Cast for std's n-1): "
                        "Conv 3x3 3->20+BN+hardtanh; binary blocks 20->20, 20->33 stride 2 (FP 1x1 stride-2 "
                        "Conv+BN shortcut), 33->33; adaptive_avg_pool2d+flatten; Linear -> 7",
            binarization=["librapb_graph"], padding="zero (pads=1 on the binary 3x3 convs)",
            sign_input_zeros=False,
            export="torch.onnx.export(dynamo=False, do_constant_folding=False, opset_version=17)")
        return name, m, shape, layout, calib, info, kw

    def irnet_dynamo():
        name = "torch_irnet_dynamo"
        m, shape, layout, calib = build_irnet(name, [1, 1, 18, 18])
        kw = dict(dynamo=True, optimize=True, external_data=False, opset_version=18)
        info = dict(
            family="irnet",
            description="torch IR-Net-like (the torch_irnet_librapb module, 1-channel 18x18 input, own weights) "
                        "exported with torch's default torch.export-based exporter (dynamo=True, optimize=True, "
                        "opset 18): the optimizer folded every BN it could into the preceding Conv (Conv bias) and "
                        "folded Libra-PB and BN of the first two binary convs into ±alpha initializers; the third "
                        "binary conv (9801 weights, above the optimizer's folding size limit) keeps Libra-PB in "
                        "the graph (n/(n-1) of torch.std as Mul/Div constants) and its BN; Reduce axes are "
                        "negative ([-1], [-1, -2]); adaptive_avg_pool2d -> ReduceMean keepdims 1 + Reshape",
            binarization=["alpha_initializer", "librapb_graph"], padding="zero (pads=1 on the binary 3x3 convs)",
            sign_input_zeros=False,
            export="torch.onnx.export(dynamo=True, optimize=True, external_data=False, opset_version=18)")
        return name, m, shape, layout, calib, info, kw

    for job in (bipointnet, irnet_ts, irnet_dynamo):
        name, m, shape, layout, calib, info, kw = job()
        if args.only and args.only != name:
            continue
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        m.eval()
        x = torch.from_numpy(calib[:1])
        log = export(m, x, d / "model.onnx", **kw)
        with torch.no_grad():
            ref = np.stack([m(torch.from_numpy(c[None]))[0].numpy() for c in calib])
        print(json.dumps(dict(name=name, input_shape=shape, layout=layout, info=info,
                              torch_version=torch.__version__.split("+")[0], calib_outputs=ref.tolist(),
                              export_log_lines=len(log.splitlines()))), flush=True)


if __name__ == "__main__":
    main()
