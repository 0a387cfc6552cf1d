"""Network definitions: IR-Net (binary ResNet-style CNN for 28x28 gray images) and BiPointNet (binary PointNet
without T-Net), each with its FP32 twin of the same architecture."""
import torch
import torch.nn as nn

from bnn import EDEState, IRConv2d, LSRBinary

# BiPointNet's EMA-max offset for N = 1024 points (the paper's value for max-pooling 1024 roughly standard-normal
# features: the output's sign is balanced, i.e. its entropy is maximal, after the shift).
EMA_MAX_OFFSET_1024 = -3.2041


# ---------------------------------------------------------------------------------------------------- IR-Net
class IRBlock(nn.Module):
    """One residual unit with a shortcut around every conv (as in IR-Net / Bi-Real):
    out = act(BN(conv3x3(x)) + shortcut(x)). Binary: conv = sign(x) (*) Libra-PB weights, act = hardtanh.
    FP32 twin: ordinary conv, act = ReLU. A stride-2 or widening unit uses a 1x1 (stride 2) FP32 conv + BN shortcut."""

    def __init__(self, cin, cout, stride, binary, ede):
        super().__init__()
        if binary:
            self.conv = IRConv2d(cin, cout, 3, stride=stride, padding=1, ede=ede)
        else:
            self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.act = nn.Hardtanh() if binary else nn.ReLU()

    def forward(self, x):
        s = x if self.shortcut is None else self.shortcut(x)
        return self.act(self.bn(self.conv(x)) + s)


class IRNet(nn.Module):
    """Input [B,1,28,28] (normalized). FP32 stem 3x3 stride-2 conv(1->64) + BN + hardtanh (ReLU in the twin):
    14x14x64; units (64, s1), (64, s1), (128, s2 with 1x1 s2 FP32 conv+BN shortcut), (128, s1): 7x7x128;
    global average pool, FP32 Linear(128 -> 10). (A stride-1 stem at 28x28 made an epoch ~5x slower on the
    2-core training machine.)"""

    def __init__(self, binary=True, num_classes=10, stem=64, stem_stride=2,
                 plan=((64, 1), (64, 1), (128, 2), (128, 1))):
        super().__init__()
        self.binary = binary
        self.ede = EDEState()
        self.stem = nn.Sequential(nn.Conv2d(1, stem, 3, stride=stem_stride, padding=1, bias=False), nn.BatchNorm2d(stem),
                                  nn.Hardtanh() if binary else nn.ReLU())
        layers, cin = [], stem
        for cout, stride in plan:
            layers.append(IRBlock(cin, cout, stride, binary, self.ede))
            cin = cout
        self.blocks = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------------------------------------------- PointNet
class BiPointNet(nn.Module):
    """PointNet classifier without the T-Nets (input and feature transforms omitted), input [B,3,N].

    Binary (BiPointNet): FP32 Conv1d(3->64)+BN; binary k=1 convs 64->64->128->1024 (sign act, sign weights,
    LSR scalar, BN); max over points + EMA offset; binary Linear 1024->512->256 (sign, sign, LSR, BN);
    hardtanh, dropout, FP32 Linear(256 -> classes). The first layer has no ReLU so the Sign that follows never
    sees exact zeros. The EMA offset starts at the paper's -3.2041 (max of 1024 iid standard-normal values); train.py
    can recalibrate it from the data (calibrate_ema) so that sign(max + offset) is +1 for half of the aggregated
    features, the entropy-maximizing choice for a scalar offset when the points' features are not iid.
    FP32 twin: the same widths with ordinary Conv1d/Linear + BN + ReLU, plain max pool, dropout, FP32 Linear."""

    def __init__(self, num_classes, binary=True, widths=(64, 64, 128, 1024), head=(512, 256), dropout=0.3,
                 ema_offset=EMA_MAX_OFFSET_1024, act_backward='ste'):
        super().__init__()
        self.binary = binary
        # EMA offset (binary net only) as a buffer: saved with the weights, exported as the scalar of
        # Add(ReduceMax(...), offset).
        if binary:
            self.register_buffer('ema_offset', torch.tensor(float(ema_offset)))
        self.conv1 = nn.Conv1d(3, widths[0], 1, bias=False)
        self.bn1 = nn.BatchNorm1d(widths[0])
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        for cin, cout in zip(widths[:-1], widths[1:]):
            self.convs.append(LSRBinary(cin, cout, 'conv1d', act_backward) if binary else nn.Conv1d(cin, cout, 1, bias=False))
            self.bns.append(nn.BatchNorm1d(cout))
        self.fcs = nn.ModuleList()
        self.fbns = nn.ModuleList()
        for cin, cout in zip((widths[-1],) + head[:-1], head):
            self.fcs.append(LSRBinary(cin, cout, 'linear', act_backward) if binary else nn.Linear(cin, cout, bias=False))
            self.fbns.append(nn.BatchNorm1d(cout))
        self.act = nn.Hardtanh() if binary else nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.fc_out = nn.Linear(head[-1], num_classes)

    def pooled(self, x):
        """Max over points of the last BatchNorm's output, [B, 1024]: the binary net's aggregated features before
        the EMA offset, the twin's before its last ReLU (the target of --feature-distill)."""
        x = self.bn1(self.conv1(x))
        if not self.binary:
            x = torch.relu(x)
        for conv, bn in zip(self.convs[:-1], self.bns[:-1]):
            x = bn(conv(x))
            if not self.binary:
                x = torch.relu(x)
        x = self.bns[-1](self.convs[-1](x))
        if torch.onnx.is_in_onnx_export():  # the exported graph: [Relu ->] ReduceMax
            return torch.amax(x if self.binary else torch.relu(x), dim=2)
        # Training and evaluation take two shortcuts on the widest tensor, [B, 1024, N], with the same values:
        # max(dim) remembers the arg max, so its backward is one scatter, where amax's backward compares the whole
        # tensor against the result (a third of a training step); and the twin's ReLU, being monotone, commutes
        # with the max, so it runs on [B, 1024] after it (in aggregate_features).
        return torch.max(x, dim=2).values

    def aggregate_features(self, x):
        """Max-pooled features before the EMA offset (binary) or after the last ReLU (twin), [B, 1024]."""
        x = self.pooled(x)
        return x if self.binary or torch.onnx.is_in_onnx_export() else torch.relu(x)

    def classify(self, x):
        """The head on aggregated features: [EMA offset ->] binary or FP32 Linear+BN layers -> FP32 Linear."""
        if self.binary:
            x = x + self.ema_offset
        for i, (fc, bn) in enumerate(zip(self.fcs, self.fbns)):
            x = bn(fc(x))
            if not self.binary or i == len(self.fcs) - 1:
                x = self.act(x)
        return self.fc_out(self.drop(x))

    def forward(self, x):
        return self.classify(self.aggregate_features(x))
