#!/usr/bin/env python3
"""Rebuilds the FP32 PointNet twin's checkpoint (<runs>/pointnet-fp32/model.pt) from the committed ONNX.

    python tools/train/twin_from_onnx.py [--onnx models/bipointnet/bipointnet-fp32.onnx] [--runs tools/train/runs]

BiPointNet starts from the twin's weights and is distilled from it (train.py --init-from/--distill pointnet-fp32).
Training the twin again takes over an hour on 2 cores and would give a different twin than the one the model card
compares against; the committed ONNX holds every tensor of it (BatchNorms are nodes, see export_onnx.py), so this
reads them back into the torch model. The two head MatMuls are stored transposed ([in, out]); everything else
keeps the torch parameter names. Checked before writing: torch on the rebuilt model and onnxruntime on the ONNX give
the same logits (max |diff| printed, must be < 1e-4) and the same accuracy on the committed test set.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train import build_model  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))


def head_matmul_weights(graph, inits):
    """The initializers read by the MatMul nodes, in graph order: fcs.0, fcs.1 (each [in, out])."""
    return [inits[n.input[1]] for n in graph.node if n.op_type == 'MatMul' and n.input[1] in inits]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--onnx', default=os.path.join(ROOT, 'models', 'bipointnet', 'bipointnet-fp32.onnx'))
    ap.add_argument('--testset', default=os.path.join(ROOT, 'models', 'bipointnet'))
    ap.add_argument('--runs', default=os.path.join(HERE, 'runs'))
    args = ap.parse_args()

    with open(os.path.join(args.testset, 'labels.txt')) as f:
        classes = [l.strip() for l in f if l.strip()]
    proto = onnx.load(args.onnx)
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    model = build_model('pointnet-fp32', len(classes))
    own = model.state_dict()
    state = {}
    for name, tensor in own.items():
        if name.endswith('num_batches_tracked'):
            state[name] = tensor  # not exported; unused in eval mode and by --init-from's BN re-estimation
        elif name in inits:
            state[name] = torch.from_numpy(inits[name].copy())
    head = head_matmul_weights(proto.graph, inits)
    for i, w in enumerate(head):
        state['fcs.%d.weight' % i] = torch.from_numpy(np.ascontiguousarray(w.T))
    missing = sorted(k for k in own if k not in state)
    wrong = sorted(k for k in state if tuple(state[k].shape) != tuple(own[k].shape))
    if missing or wrong:
        sys.exit('twin_from_onnx: %s does not hold the twin: missing %s, wrong shape %s' % (args.onnx, missing, wrong))
    model.load_state_dict(state)
    model.eval()

    x = np.ascontiguousarray(np.load(os.path.join(args.testset, 'testset_points.npy')).transpose(0, 2, 1))
    y = np.load(os.path.join(args.testset, 'testset_labels.npy'))
    sess = ort.InferenceSession(args.onnx, providers=['CPUExecutionProvider'])
    iname = sess.get_inputs()[0].name
    ref = np.concatenate([sess.run(None, {iname: x[i:i + 1]})[0] for i in range(len(x))])
    with torch.no_grad():
        got = torch.cat([model(torch.from_numpy(x[i:i + 32])) for i in range(0, len(x), 32)]).numpy()
    diff = float(np.abs(got - ref).max())
    acc_ref, acc_got = float((ref.argmax(1) == y).mean()), float((got.argmax(1) == y).mean())
    print('twin_from_onnx: max |logit diff| torch vs onnxruntime %.2e; accuracy torch %.4f, onnxruntime %.4f'
          % (diff, acc_got, acc_ref))
    if diff >= 1e-4 or acc_ref != acc_got:
        sys.exit('twin_from_onnx: the rebuilt model does not match the ONNX; nothing written')

    out = os.path.join(args.runs, 'pointnet-fp32')
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'model.pt')
    torch.save({'model': model.state_dict(), 'name': 'pointnet-fp32', 'num_classes': len(classes),
                'meta': {'classes': classes}, 'rebuilt_from': os.path.relpath(args.onnx, ROOT)}, path + '.tmp')
    os.replace(path + '.tmp', path)
    print('twin_from_onnx: wrote', path)


if __name__ == '__main__':
    main()
