#!/usr/bin/env bash
# After training: export the four nets to models/, evaluate them with onnxruntime and render the README results
# (the last three steps of reproduce.sh). With --wait, first waits until every tools/train/runs/<model>/model.pt
# exists (training still running in the background).
#   bash tools/train/finish.sh [--wait]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv-torch/bin/python}
RUNS=${RUNS:-$HERE/runs}
MODELS="irnet irnet-fp32 bipointnet pointnet-fp32"
if [ "${1:-}" = --wait ]; then
    for m in $MODELS; do
        while [ ! -f "$RUNS/$m/model.pt" ]; do sleep 30; done
    done
fi
cd "$ROOT"
nice -n 10 "$PY" "$HERE/export_onnx.py" $MODELS --runs "$RUNS" --report "$HERE/export_report.json"
nice -n 10 "$PY" "$HERE/eval_onnx.py" --runs "$RUNS" --out "$HERE/results.json"
nice -n 10 "$PY" "$HERE/render_results.py" > /dev/null
echo "finish: models/irnet/*.onnx, models/bipointnet/*.onnx, tools/train/results.json, README results updated"
