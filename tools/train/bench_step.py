#!/usr/bin/env python3
"""Times one distilled BiPointNet training step (the recipe's: batch 16, 1,024 points, teacher = the FP32 twin).

    python tools/train/bench_step.py [--threads 2] [--steps 6] [--points 1024] [--code DIR]

--code: the directory holding models.py / bnn.py / train.py to time (default: this one), e.g. an older revision
exported with `git archive REV tools/train | tar -x -C /tmp/old` to compare: both runs on the same machine, one after
the other. Weights are random (the time does not depend on them); the first two steps are warm-up.
"""
import argparse
import inspect
import os
import sys
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=6)
    ap.add_argument('--points', type=int, default=1024, help='points per cloud (the recipe trains on 256, then 1,024)')
    ap.add_argument('--code', default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.code))
    import train  # noqa: E402  (from --code)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # The recipe's ApproxSign activation gradient where this revision has it (an older one has only the STE).
    kw = {'act_backward': 'approxsign'} if 'act_backward' in inspect.signature(train.build_model).parameters else {}
    student = train.build_model('bipointnet', 14, dropout=0.0, **kw)
    teacher = train.build_model('pointnet-fp32', 14)
    # The recipe's teacher: BatchNorms folded where this revision does that, else plain eval mode.
    teacher = train.fold_batchnorms(teacher) if hasattr(train, 'fold_batchnorms') else teacher.eval()
    opt = torch.optim.Adam(student.parameters(), 3e-3)
    x, y = torch.randn(16, 3, args.points), torch.randint(0, 14, (16,))
    times = []
    for i in range(args.steps + 2):
        t0 = time.perf_counter()
        logits = student(x)
        with torch.no_grad():
            soft = F.softmax(teacher(x), dim=1)
        loss = F.cross_entropy(logits, y) + F.kl_div(F.log_softmax(logits, dim=1), soft, reduction='batchmean')
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    step = sorted(times)[len(times) // 2]
    print('%s: %.3f s per step (median of %d, %d threads, %d points) -> %.0f s per epoch of 1,790 clouds' % (
        os.path.abspath(args.code), step, len(times), args.threads, args.points, step * (1790 // 16)))


if __name__ == '__main__':
    main()
