#!/usr/bin/env python3
"""Builds the KiCad point-cloud classification set (ModelNet-style) from the Debian package kicad-packages3d.

For every chosen VRML model: read all IndexedFaceSet triangles (Transforms applied), sample points area-weighted
from the surface, center on the centroid and scale into the unit sphere. Split train/test by model *family*: the
file name with every integer count replaced by '#' (pin counts, row counts, part numbers) while decimal/mm
dimensions stay, so e.g. PinHeader_1x05_P2.54mm_Vertical and PinHeader_1x06_P2.54mm_Vertical are one family and
never straddle the split. One model file is never in both splits.

Writes (cache, git-ignored):   <cache>/pointclouds/{train,test}_points.npy  float32 [M, P, 3] (P = 2048 train, 1024 test)
                               <cache>/pointclouds/{train,test}_labels.npy  int32 [M]
                               <cache>/pointclouds/manifest.json            class, family, split per model file
With --export-testset DIR also the committed test set: testset_points.npy float32 [T,1024,3], testset_labels.npy
int32 [T], labels.txt, testset_models.txt (source model of each row).

    python tools/train/prepare_pointclouds.py [--root /usr/share/kicad/3dmodels] [--cache .data] [--jobs 2]
"""
import argparse
import json
import multiprocessing as mp
import os
import re
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrml  # noqa: E402

# class name -> library folders (without .3dshapes). Chosen for many distinct models and distinct shapes.
CLASSES = [
    ('capacitor_tht', ['Capacitor_THT']),
    ('resistor_tht', ['Resistor_THT']),
    ('pin_header', ['Connector_PinHeader_1.00mm', 'Connector_PinHeader_1.27mm', 'Connector_PinHeader_2.00mm',
                    'Connector_PinHeader_2.54mm']),
    ('pin_socket', ['Connector_PinSocket_1.00mm', 'Connector_PinSocket_1.27mm', 'Connector_PinSocket_2.00mm',
                    'Connector_PinSocket_2.54mm']),
    ('qfn_dfn', ['Package_DFN_QFN']),
    ('dip', ['Package_DIP']),
    ('so', ['Package_SO']),
    ('standoff_smd', ['Mounting_Wuerth']),
    ('terminal_phoenix', ['Connector_Phoenix_MSTB', 'Connector_Phoenix_MC', 'Connector_Phoenix_GMSTB',
                          'Connector_Phoenix_MC_HighVoltage']),
    ('jst', ['Connector_JST']),
    ('dsub', ['Connector_Dsub']),
    ('switch_smd', ['Button_Switch_SMD']),
    ('crystal', ['Crystal']),
    ('to_tht', ['Package_TO_SOT_THT']),
]
MAX_PER_CLASS = 200     # cap (random models) so the big connector folders do not dominate
TEST_FRACTION = 0.2
TRAIN_POINTS = 2048     # training draws a fresh 1024-subset each epoch
TEST_POINTS = 1024
SEED = 20240501

_INT = re.compile(r'(?<![\d.,])\d+(?![\d.,]|mm)')


def family_key(stem):
    """Model family: integers (counts, part numbers) -> '#'; decimal and mm dimensions kept."""
    return _INT.sub('#', stem)


def stable_seed(name):
    return (zlib.crc32(name.encode()) ^ SEED) & 0x7fffffff


def sample_surface(tris, n, rng):
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    total = area.sum()
    if not np.isfinite(total) or total <= 0:
        return None
    face = rng.choice(len(tris), size=n, p=area / total)
    u = rng.random(n)
    v = rng.random(n)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    p = a[face] + u[:, None] * (b[face] - a[face]) + v[:, None] * (c[face] - a[face])
    p = p - p.mean(axis=0)
    r = np.linalg.norm(p, axis=1).max()
    if r <= 0:
        return None
    return (p / r).astype(np.float32)


def _work(item):
    path, n = item
    try:
        tris = vrml.read_triangles(path)
    except Exception as e:  # noqa: BLE001 - report and skip unreadable models
        return path, None, '%s: %s' % (type(e).__name__, e)
    if len(tris) == 0:
        return path, None, 'no triangles'
    pts = sample_surface(tris, n, np.random.default_rng(stable_seed(os.path.basename(path))))
    if pts is None:
        return path, None, 'zero area'
    return path, pts, None


def choose_models(root):
    rng = np.random.default_rng(SEED)
    rows = []
    for label, (cls, folders) in enumerate(CLASSES):
        files = []
        for folder in folders:
            d = os.path.join(root, folder + '.3dshapes')
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith('.wrl') or f.endswith('.wrl.gz'))
        if len(files) > MAX_PER_CLASS:
            files = sorted(rng.choice(files, size=MAX_PER_CLASS, replace=False).tolist())
        fams = {}
        for f in files:
            stem = os.path.basename(f).split('.wrl')[0]
            fams.setdefault(family_key(stem), []).append(f)
        # Whole families go to test, in random order, until about TEST_FRACTION of the class is there.
        keys = sorted(fams)
        rng.shuffle(keys)
        target = TEST_FRACTION * len(files)
        test_keys, n_test = set(), 0
        for k in keys:
            if n_test >= 0.95 * target:
                break
            if n_test + len(fams[k]) <= 1.15 * target:
                test_keys.add(k)
                n_test += len(fams[k])
        for k in sorted(fams):
            for f in fams[k]:
                rows.append({'file': os.path.relpath(f, root), 'class': cls, 'label': label, 'family': k,
                             'split': 'test' if k in test_keys else 'train'})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--root', default='/usr/share/kicad/3dmodels')
    ap.add_argument('--cache', default=os.path.join(os.path.dirname(__file__), '..', '..', '.data'))
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--export-testset', metavar='DIR', help='also write the committed test set into DIR')
    args = ap.parse_args()
    out_dir = os.path.join(args.cache, 'pointclouds')
    os.makedirs(out_dir, exist_ok=True)

    rows = choose_models(args.root)
    t0 = time.time()
    items = [(os.path.join(args.root, r['file']), TEST_POINTS if r['split'] == 'test' else TRAIN_POINTS) for r in rows]
    results = {}
    with mp.Pool(args.jobs) as pool:
        for i, (path, pts, err) in enumerate(pool.imap_unordered(_work, items, chunksize=4)):
            results[path] = (pts, err)
            if (i + 1) % 200 == 0:
                print('  %d/%d models, %.0fs' % (i + 1, len(items), time.time() - t0), flush=True)
    skipped = []
    for r in rows:
        pts, err = results[os.path.join(args.root, r['file'])]
        r['ok'] = pts is not None
        if err:
            r['error'] = err
            skipped.append(r)
    for split in ('train', 'test'):
        sel = [r for r in rows if r['split'] == split and r['ok']]
        pts = np.stack([results[os.path.join(args.root, r['file'])][0] for r in sel]).astype('<f4')
        lab = np.array([r['label'] for r in sel], dtype='<i4')
        np.save(os.path.join(out_dir, split + '_points.npy'), pts)
        np.save(os.path.join(out_dir, split + '_labels.npy'), lab)
    summary = {}
    for cls, _ in CLASSES:
        ok = [r for r in rows if r['class'] == cls and r['ok']]
        summary[cls] = {'train': sum(r['split'] == 'train' for r in ok), 'test': sum(r['split'] == 'test' for r in ok),
                        'families': len({r['family'] for r in ok}),
                        'test_families': len({r['family'] for r in ok if r['split'] == 'test'})}
    manifest = {'classes': [c for c, _ in CLASSES], 'folders': {c: f for c, f in CLASSES},
                'max_per_class': MAX_PER_CLASS, 'test_fraction': TEST_FRACTION, 'seed': SEED,
                'train_points': TRAIN_POINTS, 'test_points': TEST_POINTS, 'summary': summary,
                'skipped': [(r['file'], r['error']) for r in skipped], 'models': rows}
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print('%-18s %6s %6s %9s %10s' % ('class', 'train', 'test', 'families', 'test_fams'))
    for cls, s in summary.items():
        print('%-18s %6d %6d %9d %10d' % (cls, s['train'], s['test'], s['families'], s['test_families']))
    print('total train %d, test %d, skipped %d, %.0fs' % (
        sum(s['train'] for s in summary.values()), sum(s['test'] for s in summary.values()), len(skipped),
        time.time() - t0))
    for f, e in manifest['skipped']:
        print('  skipped %s: %s' % (f, e))

    if args.export_testset:
        d = args.export_testset
        os.makedirs(d, exist_ok=True)
        sel = [r for r in rows if r['split'] == 'test' and r['ok']]
        np.save(os.path.join(d, 'testset_points.npy'),
                np.load(os.path.join(out_dir, 'test_points.npy')).astype('<f4'))
        np.save(os.path.join(d, 'testset_labels.npy'), np.load(os.path.join(out_dir, 'test_labels.npy')).astype('<i4'))
        with open(os.path.join(d, 'labels.txt'), 'w') as f:
            f.write(''.join(c + '\n' for c, _ in CLASSES))
        with open(os.path.join(d, 'testset_models.txt'), 'w') as f:
            f.write('# row\tlabel\tclass\tsource model (kicad-packages3d, /usr/share/kicad/3dmodels/)\n')
            for i, r in enumerate(sel):
                f.write('%d\t%d\t%s\t%s\n' % (i, r['label'], r['class'], r['file']))
        print('test set written to', d)


if __name__ == '__main__':
    main()
