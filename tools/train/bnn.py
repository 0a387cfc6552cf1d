"""Binarization building blocks (IR-Net: Libra-PB + EDE; BiPointNet: sign/STE + Layer-wise Scale Recovery).

Conventions shared with the packed engine: sign(x) = +1 for x >= 0 and -1 otherwise (bit 1 / bit 0). Every binary
layer has an `export` switch (set by `set_export(model, True)`): the forward then uses plain torch.sign for the
activations and a frozen buffer holding the binarized weights, so the ONNX graph shows
Sign -> Conv/Gemm(weight = +-alpha per output channel) with no custom autograd functions and no training-only
ops. torch.sign(0) = 0 there; every Sign in these nets follows a BatchNorm, max-pool offset or hardtanh of real
values, so exact zeros do not occur in practice.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def sign_pm1(x):
    """sign with sign(0) = +1 (the packed engine's convention)."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class _EDESign(torch.autograd.Function):
    """sign forward; IR-Net Error Decay Estimator backward: d/dx k*tanh(t*x) = k*t*(1 - tanh(t*x)^2)."""

    @staticmethod
    def forward(ctx, x, k, t):
        ctx.save_for_backward(x)
        ctx.k, ctx.t = k, t
        return sign_pm1(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        th = torch.tanh(ctx.t * x)
        return g * (ctx.k * ctx.t) * (1 - th * th), None, None


class _STESign(torch.autograd.Function):
    """sign forward; straight-through estimator clipped to |x| <= 1 backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return sign_pm1(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class _ApproxSign(_STESign):
    """sign forward (the STE's); Bi-Real Net's ApproxSign backward: the derivative of the piecewise quadratic that
    matches sign outside [-1, 1], i.e. 2 - 2|x| inside and 0 outside. Closer to sign than the clipped STE's box, so
    the gradient says more about which activations are near flipping."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 - 2 * x.abs()).clamp_min(0)


ACTIVATION_BACKWARDS = {'ste': _STESign, 'approxsign': _ApproxSign}


class EDEState:
    """IR-Net's EDE schedule: t goes from T_min = 0.1 to T_max = 10 (log scale) over training, k = max(1/t, 1)."""
    t_min, t_max = 0.1, 10.0

    def __init__(self):
        self.k, self.t = 10.0, 0.1

    def update(self, progress):
        progress = min(max(progress, 0.0), 1.0)
        self.t = self.t_min * math.pow(10.0, progress * math.log10(self.t_max / self.t_min))
        self.k = max(1.0 / self.t, 1.0)


def libra_pb(w):
    """Libra-PB: per-output-channel standardized weights, their sign, and the power-of-two scale 2^round(log2 mean|w'|).

    Returns (w_std, scale) with scale shaped for broadcasting; the binarized weight is sign(w_std) * scale."""
    flat = w.reshape(w.shape[0], -1)
    mean = flat.mean(dim=1, keepdim=True)
    std = flat.std(dim=1, keepdim=True) + 1e-8
    w_std = ((flat - mean) / std).reshape_as(w)
    scale = torch.pow(2.0, torch.round(torch.log2(w_std.reshape(w.shape[0], -1).abs().mean(dim=1)))).detach()
    return w_std, scale.reshape((-1,) + (1,) * (w.dim() - 1))


class IRConv2d(nn.Conv2d):
    """IR-Net binary convolution: sign(activation) (EDE backward) * Libra-PB weights (EDE backward), no bias."""

    def __init__(self, *args, ede=None, **kw):
        kw['bias'] = False
        super().__init__(*args, **kw)
        self.ede = ede
        self.export = False
        self.register_buffer('w_frozen', torch.zeros(0), persistent=False)

    def binary_weight(self):
        w_std, scale = libra_pb(self.weight)
        return sign_pm1(w_std) * scale

    def freeze(self):
        with torch.no_grad():
            self.w_frozen = self.binary_weight().clone()

    def forward(self, x):
        if self.export:
            return F.conv2d(torch.sign(x), self.w_frozen, None, self.stride, self.padding, self.dilation, self.groups)
        k, t = self.ede.k, self.ede.t
        w_std, scale = libra_pb(self.weight)
        bw = _EDESign.apply(w_std, k, t) * scale
        bx = _EDESign.apply(x, k, t)
        return F.conv2d(bx, bw, None, self.stride, self.padding, self.dilation, self.groups)


class LSRBinary(nn.Module):
    """BiPointNet binary layer: sign(activation) x sign(weight) (clipped STE), then Layer-wise Scale Recovery: one
    learned scalar alpha multiplying the output. alpha is initialized on the first training batch to the ratio of
    the output std of the full-precision layer to that of the binarized layer (as in the paper). alpha is learned
    as log(alpha): with a BatchNorm right after the layer the loss is nearly flat in alpha, and Adam's
    unit-size steps made a plain alpha (~0.01-0.1) random-walk through zero, which wrecked the BatchNorm statistics.
    kind = 'conv1d' (kernel 1, input [B,C,N]) or 'linear' (input [B,C])."""

    def __init__(self, cin, cout, kind, act_backward='ste'):
        super().__init__()
        self.kind = kind
        self.act_sign = ACTIVATION_BACKWARDS[act_backward]
        shape = (cout, cin, 1) if kind == 'conv1d' else (cout, cin)
        self.weight = nn.Parameter(torch.empty(shape))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.log_alpha = nn.Parameter(torch.zeros(()))
        self.register_buffer('alpha_initialized', torch.zeros((), dtype=torch.bool))
        self.export = False
        self.register_buffer('w_frozen', torch.zeros(0), persistent=False)
        self.register_buffer('alpha_frozen', torch.ones(()), persistent=False)

    @property
    def alpha(self):
        return self.log_alpha.exp()

    def _op(self, x, w):
        return F.conv1d(x, w) if self.kind == 'conv1d' else F.linear(x, w)

    def freeze(self):
        with torch.no_grad():
            self.w_frozen = sign_pm1(self.weight).clone()
            self.alpha_frozen = self.alpha.detach().clone()

    def forward(self, x):
        if self.export:
            return self._op(torch.sign(x), self.w_frozen) * self.alpha_frozen
        bx, bw = self.act_sign.apply(x), _STESign.apply(self.weight)
        if self.training and not bool(self.alpha_initialized):
            with torch.no_grad():
                ref = self._op(x, self.weight)
                self.log_alpha.fill_(float(torch.log(ref.std() / (self._op(bx, bw).std() + 1e-8))))
                self.alpha_initialized.fill_(True)
        # (sign(x) * sign(W)) * alpha == sign(x) * (alpha * sign(W)): scaling the weight instead of the output saves
        # a pass (and its backward) over the output, which is [B, 1024, 1024] for the widest layer.
        return self._op(bx, bw * self.alpha)


def set_export(model, on=True):
    """Switch every binary layer to the export forward (plain torch.sign + frozen binarized weights)."""
    for m in model.modules():
        if isinstance(m, (IRConv2d, LSRBinary)):
            m.export = on
            if on:
                m.freeze()
    return model
