#!/usr/bin/env python3
"""Exports a trained net (tools/train/runs/<model>/model.pt) to ONNX for `qinfer pack` and checks it against torch.

    python tools/train/export_onnx.py MODEL [MODEL ...] [--models-dir models] [--runs tools/train/runs]

Fixed batch 1, opset 17, torch.onnx.export (TorchScript exporter) with do_constant_folding=True. Binary layers use
their export forward (bnn.set_export): torch.sign on the activation and a constant weight holding the binarized
values (+-2^k per output channel for IR-Net's Libra-PB, +-1 for BiPointNet with the LSR scalar as a Mul after the
layer), so the graph reads Sign -> Conv/Gemm(+-alpha) -> [Mul] -> BatchNormalization. BatchNorms are kept as
nodes (training=PRESERVE on an eval-mode model: the exporter's eval mode would fold them into the preceding conv);
the Identity nodes that mode leaves for BN statistics are removed and Constant nodes become initializers.
Input: image [1,1,28,28] normalized ((x/255 - mean)/std) or points [1,3,1024] (channels first).
metadata_props carry qinfer.* keys (name, task, labels, normalization, mean/std) for `qinfer pack`.

The check runs onnxruntime and the torch eval model (ordinary training-time forward, eval mode) on the first
samples of the committed test set and prints the largest absolute logit difference.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bnn import set_export  # noqa: E402
from train import CONFIGS, build_model  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT_NAMES = {'irnet': 'irnet/irnet.onnx', 'irnet-fp32': 'irnet/irnet-fp32.onnx',
             'bipointnet': 'bipointnet/bipointnet.onnx', 'pointnet-fp32': 'bipointnet/bipointnet-fp32.onnx'}
DESCRIPTIONS = {
    'irnet': 'IR-Net binary ResNet-style CNN (Libra-PB weights, EDE training) for Fashion-MNIST 28x28 gray',
    'irnet-fp32': 'FP32 twin of the IR-Net reference model (same architecture, ReLU, FP32 weights), Fashion-MNIST',
    'bipointnet': 'BiPointNet (binary PointNet without T-Net; EMA-max, LSR) for KiCad component point clouds, N=1024',
    'pointnet-fp32': 'FP32 twin of the BiPointNet reference model (vanilla PointNet without T-Net), N=1024',
}


def load_testset(data, n=None):
    if data == 'fmnist':
        d = os.path.join(ROOT, 'models', 'irnet')
        x = np.load(os.path.join(d, 'testset_images.npy'))
        with open(os.path.join(ROOT, '.data', 'fmnist', 'stats.json')) as f:
            st = json.load(f)
        x = ((x.astype(np.float32) / 255.0 - st['mean']) / st['std'])[:, None, :, :].astype(np.float32)
    else:
        d = os.path.join(ROOT, 'models', 'bipointnet')
        x = np.ascontiguousarray(np.load(os.path.join(d, 'testset_points.npy')).transpose(0, 2, 1))
    y = np.load(os.path.join(d, 'testset_labels.npy'))
    with open(os.path.join(d, 'labels.txt')) as f:
        labels = [l.strip() for l in f if l.strip()]
    if n:
        x, y = x[:n], y[:n]
    return x, y, labels


def clean_graph(model):
    """Removes Identity nodes (rewiring their consumers) and turns Constant nodes into initializers."""
    g = model.graph
    rename = {}
    keep = []
    graph_outputs = {o.name for o in g.output}
    for node in g.node:
        if node.op_type == 'Identity' and node.output[0] not in graph_outputs:
            rename[node.output[0]] = rename.get(node.input[0], node.input[0])
            continue
        if node.op_type == 'Constant' and len(node.attribute) == 1 and node.attribute[0].name == 'value':
            t = numpy_helper.to_array(node.attribute[0].t)
            g.initializer.append(numpy_helper.from_array(t, node.output[0]))
            continue
        keep.append(node)
    for node in keep:
        for i, name in enumerate(node.input):
            if name in rename:
                node.input[i] = rename[name]
    del g.node[:]
    g.node.extend(keep)
    # Drop initializers nobody reads any more.
    used = {i for n in g.node for i in n.input} | graph_outputs
    inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)
    return model


def op_counts(model):
    counts = {}
    for n in model.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return dict(sorted(counts.items()))


def export(name, out_path, runs, check_n=16):
    import onnxruntime as ort
    ck = torch.load(os.path.join(runs, name, 'model.pt'), weights_only=False)
    cfg = CONFIGS[name]
    model = build_model(name, ck['num_classes'])
    model.load_state_dict(ck['model'])
    model.eval()
    x, y, labels = load_testset(cfg['data'], check_n)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    set_export(model, True)
    dummy = torch.from_numpy(x[:1])
    with torch.no_grad():
        exp_ref = model(torch.from_numpy(x)).numpy()
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    input_name = 'image' if cfg['data'] == 'fmnist' else 'points'
    torch.onnx.export(model, (dummy,), out_path, opset_version=17, do_constant_folding=True, dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE, input_names=[input_name], output_names=['logits'])
    m = clean_graph(onnx.load(out_path))
    meta = {'qinfer.name': name, 'qinfer.version': '1', 'qinfer.labels': json.dumps(labels),
            'qinfer.description': DESCRIPTIONS[name]}
    if cfg['data'] == 'fmnist':
        with open(os.path.join(ROOT, '.data', 'fmnist', 'stats.json')) as f:
            st = json.load(f)
        meta.update({'qinfer.task': 'image-classification', 'qinfer.channel_order': 'gray',
                     'qinfer.mean': '%.6f' % st['mean'], 'qinfer.std': '%.6f' % st['std']})
    else:
        meta.update({'qinfer.task': 'pointcloud-classification', 'qinfer.normalization': 'unit_sphere'})
    del m.metadata_props[:]
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    m.producer_name = 'qinferd tools/train'
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, out_path)

    sess = ort.InferenceSession(out_path, providers=['CPUExecutionProvider'])
    outs = np.concatenate([sess.run(None, {input_name: x[i:i + 1]})[0] for i in range(len(x))])
    # Sign inputs that are exactly 0 would differ (ONNX Sign(0) = 0, training sign(0) = +1); count them.
    report = {'model': name, 'onnx': os.path.relpath(out_path, ROOT), 'bytes': os.path.getsize(out_path),
              'opset': 17, 'ops': op_counts(m), 'check_samples': len(x),
              'max_abs_diff_vs_torch': float(np.abs(outs - ref).max()),
              'max_abs_diff_export_forward_vs_torch': float(np.abs(exp_ref - ref).max()),
              'max_abs_logit': float(np.abs(ref).max()),
              'top1_agree': int((outs.argmax(1) == ref.argmax(1)).sum())}
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('models', nargs='+', choices=sorted(CONFIGS))
    ap.add_argument('--runs', default=os.path.join(HERE, 'runs'))
    ap.add_argument('--models-dir', default=os.path.join(ROOT, 'models'))
    ap.add_argument('--check', type=int, default=16, help='test samples compared with torch')
    ap.add_argument('--report', help='write the reports as JSON here')
    args = ap.parse_args()
    torch.set_num_threads(2)
    reports = []
    for name in args.models:
        r = export(name, os.path.join(args.models_dir, OUT_NAMES[name]), args.runs, args.check)
        print(json.dumps(r))
        reports.append(r)
    if args.report:
        # Merge with an existing report (one entry per model).
        old = []
        if os.path.exists(args.report):
            with open(args.report) as f:
                old = [r for r in json.load(f) if r['model'] not in {x['model'] for x in reports}]
        order = [m for m in OUT_NAMES]
        merged = sorted(old + reports, key=lambda r: order.index(r['model']))
        with open(args.report, 'w') as f:
            json.dump(merged, f, indent=1)


if __name__ == '__main__':
    main()
