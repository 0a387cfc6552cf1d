#!/usr/bin/env bash
# Trains the four nets in parallel, one single-thread process each, at nice 10:
#   bipointnet, pointnet-fp32 (EPOCHS_POINTNET, default 12) and irnet, irnet-fp32 (EPOCHS_IRNET, default 3).
# On the 2-core machine that is shared with Swift builds, four single-thread processes keep both cores busy and
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

train() {  # model epochs
    local model=$1 epochs=$2
    mkdir -p "$RUNS/$model"
    if [ -f "$RUNS/$model/model.pt" ]; then echo "train_all: $model already trained, skipping"; return 0; fi
    echo "train_all: $model, $epochs epochs, start $(date -u +%FT%TZ)"
    nice -n 10 "$PY" "$HERE/train.py" "$model" --epochs "$epochs" --threads "$THREADS" --runs "$RUNS" \
        >> "$RUNS/$model/train.log" 2>&1
    echo "train_all: $model: $(tail -1 "$RUNS/$model/train.log") ($(date -u +%FT%TZ))"
}

pids=()
for spec in "bipointnet:$EP_PN" "pointnet-fp32:$EP_PN" "irnet:$EP_IR" "irnet-fp32:$EP_IR"; do
    if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" ${spec%%:*} "* ]]; then continue; fi
    train "${spec%%:*}" "${spec##*:}" &
    pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
