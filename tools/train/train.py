#!/usr/bin/env python3
"""Trains one of the four reference nets on the CPU and writes a checkpoint plus a JSON log.

    python tools/train/train.py MODEL --epochs E [--threads 2] [--runs tools/train/runs] [--max-steps S]

MODEL: irnet | irnet-fp32 (Fashion-MNIST, .data/fmnist) or bipointnet | pointnet-fp32 (KiCad point clouds,
.data/pointclouds); run prepare_fmnist.py / prepare_pointclouds.py first. Writes <runs>/<MODEL>/model.pt
(state dict + config), log.json (per-epoch loss, train/test accuracy, wall time) and resumes from
checkpoint.pt when it exists. The test accuracy logged here is on the cache's full test split (10,000 images /
all test models) at the end of each epoch and is for monitoring only: nothing is selected by it, the final
epoch's weights are kept.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from models import BiPointNet, IRNet  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
IRNET_PLAN = ((64, 1), (64, 1), (128, 2), (128, 1))

CONFIGS = {
    # Fashion-MNIST: batch 128, Adam 2e-3 cosine to 0, random crop (pad 2) + horizontal flip.
    'irnet': dict(data='fmnist', binary=True, batch=128, lr=2e-3, wd=0.0),
    'irnet-fp32': dict(data='fmnist', binary=False, batch=128, lr=2e-3, wd=5e-5),
    # Point clouds: batch 16, Adam 1e-3 cosine to 0; rotation about z, per-axis scale 0.8..1.25, jitter, a fresh
    # random 1024-point subset of the 2048 cached points every epoch.
    'bipointnet': dict(data='pointclouds', binary=True, batch=16, lr=1e-3, wd=0.0),
    'pointnet-fp32': dict(data='pointclouds', binary=False, batch=16, lr=1e-3, wd=5e-5),
}


def build_model(name, num_classes, dropout=None, act_backward='ste'):
    cfg = CONFIGS[name]
    if cfg['data'] == 'fmnist':
        return IRNet(binary=cfg['binary'], num_classes=num_classes, plan=IRNET_PLAN, stem_stride=2)
    return BiPointNet(num_classes, binary=cfg['binary'], dropout=cfg.get('dropout', 0.3) if dropout is None else dropout,
                      act_backward=act_backward)


# ------------------------------------------------------------------------------------------------ data
def load_fmnist(cache):
    d = os.path.join(cache, 'fmnist')
    with open(os.path.join(d, 'stats.json')) as f:
        stats = json.load(f)
    arr = {k: np.load(os.path.join(d, k + '.npy')) for k in ('train_images', 'train_labels', 'test_images', 'test_labels')}
    norm = lambda x: (torch.from_numpy(x).float().div(255.0).sub(stats['mean']).div(stats['std'])).unsqueeze(1)  # noqa: E731
    return (norm(arr['train_images']), torch.from_numpy(arr['train_labels']).long(),
            norm(arr['test_images']), torch.from_numpy(arr['test_labels']).long(), 10, stats)


def augment_images(x, gen):
    b = x.shape[0]
    flip = torch.rand(b, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    pad = F.pad(x, (2, 2, 2, 2), value=float(x.min()))
    dx = torch.randint(0, 5, (b,), generator=gen)
    dy = torch.randint(0, 5, (b,), generator=gen)
    rows = (dy[:, None] + torch.arange(28)[None, :])  # [b,28]
    cols = (dx[:, None] + torch.arange(28)[None, :])
    idx_b = torch.arange(b)[:, None, None]
    return pad[idx_b, 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)


def load_pointclouds(cache):
    d = os.path.join(cache, 'pointclouds')
    with open(os.path.join(d, 'manifest.json')) as f:
        classes = json.load(f)['classes']
    return (torch.from_numpy(np.load(os.path.join(d, 'train_points.npy'))),
            torch.from_numpy(np.load(os.path.join(d, 'train_labels.npy'))).long(),
            torch.from_numpy(np.load(os.path.join(d, 'test_points.npy'))),
            torch.from_numpy(np.load(os.path.join(d, 'test_labels.npy'))).long(), len(classes), {'classes': classes})


def augment_points(p, gen, n=1024):
    """p [B,P,3] -> [B,3,n]: random n-subset, rotation about z (up), per-axis scale 0.8..1.25, jitter."""
    b, total, _ = p.shape
    idx = torch.argsort(torch.rand(b, total, generator=gen), dim=1)[:, :n]
    p = torch.gather(p, 1, idx[:, :, None].expand(b, n, 3))
    th = torch.rand(b, generator=gen) * 2 * math.pi
    c, s = torch.cos(th), torch.sin(th)
    rot = torch.zeros(b, 3, 3)
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1], rot[:, 2, 2] = c, -s, s, c, 1
    p = p @ rot.transpose(1, 2)
    scale = torch.exp(torch.empty(b, 1, 3).uniform_(math.log(0.8), math.log(1.25), generator=gen))
    p = p * scale + (torch.randn(b, n, 3, generator=gen) * 0.01).clamp(-0.05, 0.05)
    return p.transpose(1, 2).contiguous()


@torch.no_grad()
def calibrate_ema(model, xtr, gen, n=256, batch=32, reestimate_bn=False, points=1024):
    """BiPointNet: set the scalar EMA offset to minus the median of the max-pooled features (eval-mode BN) over n
    augmented training clouds, so that half of the aggregated features binarize to +1 (maximum entropy).
    reestimate_bn (first epoch, e.g. after --init-from): first recompute every BatchNorm's running statistics on
    those clouds (they were the FP32 twin's)."""
    was_training = model.training
    idx = torch.randperm(len(xtr), generator=gen)[:n]
    if reestimate_bn:
        bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
        model.train()
        for i in range(0, len(idx), batch):
            model(augment_points(xtr[idx[i:i + batch]], gen, points))
        for m in bns:
            m.momentum = 0.1
    model.eval()
    feats = torch.cat([model.aggregate_features(augment_points(xtr[idx[i:i + batch]], gen, points))
                       for i in range(0, len(idx), batch)])
    model.ema_offset.fill_(-float(feats.median()))
    model.train(was_training)
    return float(model.ema_offset)


@torch.no_grad()
def fold_batchnorms(model):
    """The FP32 PointNet twin in eval mode with every BatchNorm folded into the conv/linear before it (a teacher
    for distillation: the same outputs, one pass less over each layer's output per batch)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
    assert not model.binary
    model.eval()
    model.conv1 = fuse_conv_bn_eval(model.conv1, model.bn1)
    model.bn1 = torch.nn.Identity()
    for i in range(len(model.convs)):
        model.convs[i] = fuse_conv_bn_eval(model.convs[i], model.bns[i])
        model.bns[i] = torch.nn.Identity()
    for i in range(len(model.fcs)):
        model.fcs[i] = fuse_linear_bn_eval(model.fcs[i], model.fbns[i])
        model.fbns[i] = torch.nn.Identity()
    return model


# ------------------------------------------------------------------------------------------------ loop
@torch.no_grad()
def evaluate(model, x, y, data, batch=None):
    batch = batch or (500 if data == 'fmnist' else 32)
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        if data == 'pointclouds':
            xb = xb.transpose(1, 2).contiguous()
        correct += int((model(xb).argmax(1) == y[i:i + batch]).sum())
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model', choices=sorted(CONFIGS))
    ap.add_argument('--epochs', type=int, required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--cache', default=os.path.join(ROOT, '.data'))
    ap.add_argument('--runs', default=os.path.join(HERE, 'runs'))
    ap.add_argument('--max-steps', type=int, default=0, help='stop after this many steps (smoke test)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--ema-calibrate', action='store_true',
                    help='bipointnet: recalibrate the EMA offset from the training data before every epoch')
    ap.add_argument('--init-from', metavar='MODEL',
                    help='start from <runs>/MODEL/model.pt (every tensor whose name and shape match), e.g. the '
                         'trained FP32 twin: the binary layers then start from sign(W_fp32)')
    ap.add_argument('--lr', type=float, help='peak learning rate (default: the model\'s config)')
    ap.add_argument('--dropout', type=float, help='pointclouds: dropout before the last layer (default 0.3)')
    ap.add_argument('--distill', metavar='MODEL',
                    help='add a distillation loss towards <runs>/MODEL/model.pt (the trained FP32 twin): '
                         'KL(teacher || student) on softmax outputs, weighted like the cross-entropy')
    ap.add_argument('--feature-distill', type=float, default=0.0, metavar='W',
                    help='pointclouds, with --distill: add W x the mean squared difference between the max-pooled '
                         'features of student and teacher (the binary net\'s before the EMA offset, the twin\'s '
                         'before its last ReLU): a 1,024-value target per cloud for the point encoder')
    ap.add_argument('--act-backward', choices=('ste', 'approxsign'), default='ste',
                    help='bipointnet: gradient of the activation sign (clipped STE or Bi-Real\'s ApproxSign)')
    ap.add_argument('--points', type=int, default=1024,
                    help='pointclouds: points per training cloud (the test and the exported model use 1,024)')
    ap.add_argument('--full-points-last', type=int, default=0, metavar='K',
                    help='pointclouds, with --points below 1024: train the last K epochs on 1,024 points')
    ap.add_argument('--eval-every', type=int, default=1, metavar='N',
                    help='measure test accuracy after every N-th epoch and after each of the last max(K, 1) epochs '
                         '(it is only logged, never used to pick a model; at 256 points it costs a quarter of an '
                         'epoch)')
    args = ap.parse_args()
    if args.eval_every < 1:
        ap.error('--eval-every must be at least 1')
    if not 1 <= args.points <= 2048:
        ap.error('--points must be 1..2048 (the cache holds 2,048 points per training cloud)')
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = dict(CONFIGS[args.model])
    if args.lr is not None:
        cfg['lr'] = args.lr
    if args.dropout is not None:
        cfg['dropout'] = args.dropout
    if args.distill:
        cfg['distill'] = args.distill
    pointclouds = CONFIGS[args.model]['data'] == 'pointclouds'
    if (args.act_backward != 'ste' or args.points != 1024 or args.full_points_last) and not (pointclouds and cfg['binary']):
        ap.error('--act-backward, --points and --full-points-last are for bipointnet')
    if not 0 <= args.full_points_last <= args.epochs:
        ap.error('--full-points-last must be 0..--epochs')
    if args.act_backward != 'ste':
        cfg['act_backward'] = args.act_backward
    if args.points != 1024:
        cfg['points'] = args.points
        cfg['full_points_last'] = args.full_points_last
    if args.feature_distill:
        if not args.distill or CONFIGS[args.model]['data'] != 'pointclouds':
            ap.error('--feature-distill needs --distill and a point-cloud model')
        cfg['feature_distill'] = args.feature_distill
    out = os.path.join(args.runs, args.model)
    os.makedirs(out, exist_ok=True)

    if cfg['data'] == 'fmnist':
        xtr, ytr, xte, yte, ncls, meta = load_fmnist(args.cache)
    else:
        xtr, ytr, xte, yte, ncls, meta = load_pointclouds(args.cache)
        xte = xte[:, :1024]
    model = build_model(args.model, ncls, cfg.get('dropout'), cfg.get('act_backward', 'ste'))
    teacher = None
    if args.distill:
        tsrc = torch.load(os.path.join(args.runs, args.distill, 'model.pt'), weights_only=False)
        teacher = build_model(tsrc['name'], ncls)
        teacher.load_state_dict(tsrc['model'])
        teacher = fold_batchnorms(teacher)
    init_note = None
    if args.init_from:
        src = torch.load(os.path.join(args.runs, args.init_from, 'model.pt'), weights_only=False)['model']
        own = model.state_dict()
        copied = [k for k, v in src.items() if k in own and own[k].shape == v.shape]
        own.update({k: src[k] for k in copied})
        model.load_state_dict(own)
        init_note = {'from': args.init_from, 'tensors_copied': len(copied),
                     'not_copied': sorted(k for k in own if k not in copied)}
        print('initialized from', args.init_from, init_note, flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=cfg['lr'], weight_decay=cfg['wd'])
    steps_per_epoch = len(xtr) // cfg['batch']
    total_steps = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps)))
    gen = torch.Generator().manual_seed(args.seed)
    log = {'model': args.model, 'config': cfg, 'epochs': args.epochs, 'threads': args.threads, 'meta': meta,
           'train_size': len(xtr), 'test_size': len(xte), 'history': [], 'wall_seconds': 0.0,
           'init_from': init_note}
    start_epoch = 0
    ckpt_path = os.path.join(out, 'checkpoint.pt')
    if os.path.exists(ckpt_path) and not args.max_steps:
        ck = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(ck['model']); opt.load_state_dict(ck['opt']); sched.load_state_dict(ck['sched'])
        gen.set_state(ck['gen']); log = ck['log']; start_epoch = ck['epoch']
        if log['epochs'] != args.epochs:
            # The cosine schedule (and IR-Net's EDE schedule) continue from here towards the new total.
            log.setdefault('schedule_changes', []).append(
                {'after_epoch': start_epoch, 'epochs_before': log['epochs'], 'epochs_after': args.epochs})
            log['epochs'] = args.epochs
        print('resuming after epoch', start_epoch, 'of', args.epochs, flush=True)

    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        points = 1024 if epoch >= args.epochs - args.full_points_last else args.points
        if args.ema_calibrate and cfg['binary'] and cfg['data'] == 'pointclouds':
            off = calibrate_ema(model, xtr, gen, reestimate_bn=(epoch == 0 and bool(args.init_from)), points=points)
            log.setdefault('ema_offsets', []).append(off)
            print('  epoch %d: EMA offset %.4f' % (epoch + 1, off), flush=True)
        tot_loss, tot_correct, seen = 0.0, 0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * cfg['batch']:(i + 1) * cfg['batch']]
            if cfg['data'] == 'fmnist':
                xb = augment_images(xtr[idx], gen)
            else:
                xb = augment_points(xtr[idx], gen, points)
            yb = ytr[idx]
            if cfg['binary'] and hasattr(model, 'ede'):
                model.ede.update(step / total_steps)
            if args.feature_distill:
                pooled = model.pooled(xb)
                logits = model.classify(pooled)
            else:
                logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            if teacher is not None:
                with torch.no_grad():
                    if args.feature_distill:
                        t_pooled = teacher.pooled(xb)
                        t_logits = teacher.classify(torch.relu(t_pooled))
                    else:
                        t_logits = teacher(xb)
                    soft = F.softmax(t_logits, dim=1)
                loss = loss + F.kl_div(F.log_softmax(logits, dim=1), soft, reduction='batchmean')
                if args.feature_distill:
                    loss = loss + args.feature_distill * F.mse_loss(pooled, t_pooled)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            tot_loss += loss.item() * len(idx)
            tot_correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
            if i % 50 == 0:
                print('  epoch %d step %d/%d loss %.4f (%.1fs)' % (epoch + 1, i, steps_per_epoch, loss.item(),
                                                                  time.time() - t0), flush=True)
            if args.max_steps and step >= args.max_steps:
                break
        train_time = time.time() - t0
        last_epochs = max(args.full_points_last, 1)
        measured = (epoch + 1) % args.eval_every == 0 or epoch >= args.epochs - last_epochs or args.max_steps
        test_acc = evaluate(model, xte, yte, cfg['data']) if measured else None
        rec = {'epoch': epoch + 1, 'loss': tot_loss / seen, 'train_acc': tot_correct / seen, 'test_acc': test_acc,
               'train_seconds': train_time, 'epoch_seconds': time.time() - t0, 'lr': sched.get_last_lr()[0]}
        if cfg['data'] == 'pointclouds':
            rec['points'] = points
        log['history'].append(rec)
        log['wall_seconds'] += rec['epoch_seconds']
        print('epoch %d: loss %.4f train %.4f test %s  %.0fs (total %.0fs)' % (
            epoch + 1, rec['loss'], rec['train_acc'], '-' if test_acc is None else '%.4f' % test_acc,
            rec['epoch_seconds'], log['wall_seconds']), flush=True)
        if args.max_steps:
            break
        torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(),
                    'gen': gen.get_state(), 'log': log, 'epoch': epoch + 1}, ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)
        with open(os.path.join(out, 'log.json'), 'w') as f:
            json.dump(log, f, indent=1)

    if not args.max_steps:
        log['final_test_acc'] = log['history'][-1]['test_acc']
        torch.save({'model': model.state_dict(), 'name': args.model, 'num_classes': ncls, 'meta': meta},
                   os.path.join(out, 'model.pt'))
        with open(os.path.join(out, 'log.json'), 'w') as f:
            json.dump(log, f, indent=1)
        print('done: %s, %d epochs, %.0fs, test acc %.4f' % (args.model, args.epochs, log['wall_seconds'],
                                                             log['final_test_acc']), flush=True)


if __name__ == '__main__':
    main()
