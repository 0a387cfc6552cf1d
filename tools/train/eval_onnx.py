#!/usr/bin/env python3
"""Accuracy of the exported ONNX models on the committed test sets, computed with onnxruntime (batch 1).

    python tools/train/eval_onnx.py [--out tools/train/results.json]

For every models/*/{irnet,irnet-fp32,bipointnet,bipointnet-fp32}.onnx present: top-1 accuracy on the committed
test set, per-class accuracy, file size, op types and counts; plus the training logs (epochs, wall time) from
tools/train/runs/<model>/log.json when they exist; a model whose log is gone (a fresh checkout that retrains only
some nets, e.g. BiPointNet from the twin rebuilt by twin_from_onnx.py) keeps the training record of the previous
results.json when its ONNX file has the same size and accuracy, so one run does not erase another's. The image
models read models/irnet/testset_images.npy normalized with the mean/std stored in the ONNX metadata; the point
models read models/bipointnet/testset_points.npy transposed to [1,3,1024].
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
MODELS = [('irnet', 'irnet/irnet.onnx'), ('irnet-fp32', 'irnet/irnet-fp32.onnx'),
          ('bipointnet', 'bipointnet/bipointnet.onnx'), ('pointnet-fp32', 'bipointnet/bipointnet-fp32.onnx')]


def op_counts(model):
    counts = {}
    for n in model.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return dict(sorted(counts.items()))


def evaluate(path, runs):
    m = onnx.load(path)
    meta = {p.key: p.value for p in m.metadata_props}
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    inp = sess.get_inputs()[0]
    if inp.name == 'image':
        d = os.path.join(ROOT, 'models', 'irnet')
        x = np.load(os.path.join(d, 'testset_images.npy')).astype(np.float32) / 255.0
        x = ((x - float(meta['qinfer.mean'])) / float(meta['qinfer.std']))[:, None].astype(np.float32)
    else:
        d = os.path.join(ROOT, 'models', 'bipointnet')
        x = np.ascontiguousarray(np.load(os.path.join(d, 'testset_points.npy')).transpose(0, 2, 1))
    y = np.load(os.path.join(d, 'testset_labels.npy'))
    labels = json.loads(meta['qinfer.labels'])
    pred = np.array([int(np.argmax(sess.run(None, {inp.name: x[i:i + 1]})[0])) for i in range(len(x))])
    per_class = {labels[c]: float((pred[y == c] == c).mean()) for c in range(len(labels)) if (y == c).any()}
    return {'onnx': os.path.relpath(path, ROOT), 'bytes': os.path.getsize(path), 'test_samples': int(len(y)),
            'accuracy': float((pred == y).mean()), 'correct': int((pred == y).sum()), 'per_class': per_class,
            'ops': op_counts(m), 'nodes': len(m.graph.node)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', default=os.path.join(HERE, 'runs'))
    ap.add_argument('--out', default=os.path.join(HERE, 'results.json'))
    args = ap.parse_args()
    previous = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            previous = json.load(f)
    results = {}
    for name, rel in MODELS:
        path = os.path.join(ROOT, 'models', rel)
        if not os.path.exists(path):
            print('missing', path, file=sys.stderr)
            continue
        r = evaluate(path, args.runs)
        logp = os.path.join(args.runs, name, 'log.json')
        if os.path.exists(logp):
            with open(logp) as f:
                log = json.load(f)
            r['training'] = {'epochs': log['epochs'], 'wall_seconds': round(log['wall_seconds'], 1),
                             'threads': log['threads'], 'train_size': log['train_size'],
                             'full_test_size': log['test_size'],
                             'full_test_acc_torch': log.get('final_test_acc'), 'config': log['config'],
                             'init_from': (log.get('init_from') or {}).get('from'),
                             'ema_offsets': log.get('ema_offsets'),
                             'schedule_changes': log.get('schedule_changes'),
                             'history': [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.items()}
                                         for h in log['history']]}
        else:
            old = previous.get(name, {})
            if 'training' in old and (old.get('bytes'), old.get('correct')) == (r['bytes'], r['correct']):
                r['training'] = old['training']
        results[name] = r
        print('%-14s acc %.4f (%d/%d)  %8d bytes  %s' % (name, r['accuracy'], r['correct'], r['test_samples'],
                                                      r['bytes'], r['ops']))
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
