#!/usr/bin/env python3
"""Converts Fashion-MNIST (Debian package dataset-fashion-mnist, IDX files) into .npy arrays.

Writes (cache, git-ignored): <cache>/fmnist/{train,test}_images.npy uint8 [M,28,28], {train,test}_labels.npy
int32 [M], stats.json (mean/std of the training pixels in [0,1], used for input normalization).
With --export-testset DIR also the committed subset: the first PER_CLASS test images of every class, in test-file
order: testset_images.npy uint8 [T,28,28], testset_labels.npy int32 [T], testset_index.npy int32 [T] (row in the
original t10k file), labels.txt.

    python tools/train/prepare_fmnist.py [--src /usr/share/datasets/fashion-mnist] [--cache .data]
"""
import argparse
import gzip
import json
import os
import struct

import numpy as np

CLASSES = ['t-shirt_top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot']
PER_CLASS = 200


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError('%s: not an unsigned-byte IDX file' % path)
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(src, stem):
    for name in (stem + '.gz', stem):
        p = os.path.join(src, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(src, stem))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--src', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--cache', default=os.path.join(os.path.dirname(__file__), '..', '..', '.data'))
    ap.add_argument('--export-testset', metavar='DIR')
    args = ap.parse_args()
    out = os.path.join(args.cache, 'fmnist')
    os.makedirs(out, exist_ok=True)
    arrays = {}
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        x = read_idx(find(args.src, prefix + '-images-idx3-ubyte'))
        y = read_idx(find(args.src, prefix + '-labels-idx1-ubyte')).astype('<i4')
        assert x.shape[0] == y.shape[0] and x.shape[1:] == (28, 28)
        np.save(os.path.join(out, split + '_images.npy'), x)
        np.save(os.path.join(out, split + '_labels.npy'), y)
        arrays[split] = (x, y)
        print(split, x.shape, np.bincount(y).tolist())
    px = arrays['train'][0].astype(np.float64) / 255.0
    stats = {'mean': float(px.mean()), 'std': float(px.std())}
    with open(os.path.join(out, 'stats.json'), 'w') as f:
        json.dump(stats, f)
    print('train pixel mean %.6f std %.6f' % (stats['mean'], stats['std']))
    if args.export_testset:
        x, y = arrays['test']
        idx = np.sort(np.concatenate([np.flatnonzero(y == c)[:PER_CLASS] for c in range(len(CLASSES))]))
        os.makedirs(args.export_testset, exist_ok=True)
        np.save(os.path.join(args.export_testset, 'testset_images.npy'), np.ascontiguousarray(x[idx]).astype('|u1'))
        np.save(os.path.join(args.export_testset, 'testset_labels.npy'), y[idx].astype('<i4'))
        np.save(os.path.join(args.export_testset, 'testset_index.npy'), idx.astype('<i4'))
        with open(os.path.join(args.export_testset, 'labels.txt'), 'w') as f:
            f.write(''.join(c + '\n' for c in CLASSES))
        print('test subset: %d images -> %s' % (len(idx), args.export_testset))


if __name__ == '__main__':
    main()
