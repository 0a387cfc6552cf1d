#!/usr/bin/env bash
# Trains the four nets at nice 10 as three parallel jobs, single-threaded except BiPointNet (see below):
#   pointnet-fp32 (EPOCHS_POINTNET, default 12), then bipointnet initialized from it with the EMA offset calibrated
#   on the training data, distilled from it, no dropout, peak learning rate 3e-3, ApproxSign activation gradient,
#   256-point training clouds with the last 8 epochs on 1,024, test accuracy logged every 10th epoch and over the
#   last 8 (EPOCHS_BIPOINTNET, default 220, THREADS_BIPOINTNET threads, default 2: it runs last, mostly alone, and
#   is the longest run);
#   irnet and irnet-fp32 (EPOCHS_IRNET, default 3).
# On the 2-core machine that is shared with Swift builds, several single-thread processes keep both cores busy and
# keep a fair share of the CPU while a build runs. Logs: tools/train/runs/<model>/train.log. An interrupted run
# resumes from its per-epoch checkpoint; a finished model (model.pt present) is skipped.
#   THREADS per process (default 1), PYTHON (default .venv-torch/bin/python), RUNS (default tools/train/runs)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv-torch/bin/python}
THREADS=${THREADS:-1}
RUNS=${RUNS:-$HERE/runs}
EP_PN=${EPOCHS_POINTNET:-12}
EP_IR=${EPOCHS_IRNET:-3}
EP_BPN=${EPOCHS_BIPOINTNET:-220}
THREADS_BPN=${THREADS_BIPOINTNET:-2}

train() {  # model epochs [extra train.py args]
    local model=$1 epochs=$2; shift 2
    mkdir -p "$RUNS/$model"
    if [ -f "$RUNS/$model/model.pt" ]; then echo "train_all: $model already trained, skipping"; return 0; fi
    echo "train_all: $model, $epochs epochs, start $(date -u +%FT%TZ)"
    nice -n 10 "$PY" "$HERE/train.py" "$model" --epochs "$epochs" --threads "$THREADS" --runs "$RUNS" "$@" \
        >> "$RUNS/$model/train.log" 2>&1
    echo "train_all: $model: $(tail -1 "$RUNS/$model/train.log") ($(date -u +%FT%TZ))"
}

pids=()
( train pointnet-fp32 "$EP_PN" && THREADS=$THREADS_BPN train bipointnet "$EP_BPN" --init-from pointnet-fp32 --ema-calibrate \
    --distill pointnet-fp32 --dropout 0 --lr 3e-3 --points 256 --full-points-last 8 --act-backward approxsign --eval-every 10 ) &
pids+=($!)
train irnet "$EP_IR" &
pids+=($!)
train irnet-fp32 "$EP_IR" &
pids+=($!)
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
