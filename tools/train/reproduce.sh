#!/usr/bin/env bash
# Rebuilds the reference models from the Debian packages, end to end:
#
#   bash tools/train/reproduce.sh
#
# 1. dataset-fashion-mnist and kicad-packages3d (installed with apt-get when missing and running as root)
# 2. .venv-torch with tools/train/requirements.txt
# 3. data: .data/fmnist, .data/pointclouds (git-ignored caches) and the committed test sets models/irnet/testset_*,
#    models/bipointnet/testset_* (rewritten; they come out identical: fixed seeds, per-model sampling seeds)
# 4. training: tools/train/train_all.sh (two single-thread queues, nice 10; see that script for epochs)
# 5. export: models/irnet/irnet{,-fp32}.onnx, models/bipointnet/bipointnet{,-fp32}.onnx, checked against torch
#    (tools/train/export_report.json)
# 6. evaluation with onnxruntime on the committed test sets: tools/train/results.json, README results section
#    (steps 5-6 are tools/train/finish.sh)
#
# Steps whose outputs exist are not redone (delete .data/ or tools/train/runs/<model>/ to redo them).
# Environment: EPOCHS_POINTNET, EPOCHS_IRNET, THREADS (train_all.sh), PYTHON3 (default python3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=$ROOT/.venv-torch
PY=$VENV/bin/python
log() { echo "reproduce: $*" >&2; }
cd "$ROOT"

for pkg in dataset-fashion-mnist kicad-packages3d; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        if [ "$(id -u)" = 0 ]; then
            log "installing $pkg"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg"
        else
            log "missing Debian package $pkg (apt-get install $pkg)"; exit 1
        fi
    fi
done

if [ ! -x "$PY" ]; then
    log "creating $VENV"
    "${PYTHON3:-python3}" -m venv "$VENV"
fi
if ! "$PY" -c 'import torch, numpy, onnx, onnxruntime' 2>/dev/null; then
    log "installing tools/train/requirements.txt"
    "$PY" -m pip install -q -r "$HERE/requirements.txt"
fi

if [ ! -f .data/fmnist/stats.json ] || [ ! -f models/irnet/testset_images.npy ]; then
    log "preparing Fashion-MNIST"
    nice -n 10 "$PY" "$HERE/prepare_fmnist.py" --export-testset models/irnet
fi
if [ ! -f .data/pointclouds/manifest.json ] || [ ! -f models/bipointnet/testset_points.npy ]; then
    log "preparing KiCad point clouds (a few minutes)"
    nice -n 10 "$PY" "$HERE/prepare_pointclouds.py" --export-testset models/bipointnet
fi

log "training (logs in tools/train/runs/<model>/train.log)"
bash "$HERE/train_all.sh"

log "exporting ONNX, evaluating with onnxruntime, rendering the README results"
bash "$HERE/finish.sh"
