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
# Export only what is missing or older than its checkpoint, so committed ONNX files (and .qpacks packed from them)
# stay byte-identical.
declare -A OUT=([irnet]=irnet/irnet.onnx [irnet-fp32]=irnet/irnet-fp32.onnx [bipointnet]=bipointnet/bipointnet.onnx
                [pointnet-fp32]=bipointnet/bipointnet-fp32.onnx)
todo=""
for m in $MODELS; do
    onnx=$ROOT/models/${OUT[$m]}
    if [ ! -f "$onnx" ] || [ "$RUNS/$m/model.pt" -nt "$onnx" ]; then todo="$todo $m"; fi
done
if [ -n "$todo" ]; then
    nice -n 10 "$PY" "$HERE/export_onnx.py" $todo --runs "$RUNS" --report "$HERE/export_report.json"
fi
nice -n 10 "$PY" "$HERE/eval_onnx.py" --runs "$RUNS" --out "$HERE/results.json"
nice -n 10 "$PY" "$HERE/render_results.py" > /dev/null
echo "finish: models/irnet/*.onnx, models/bipointnet/*.onnx, tools/train/results.json, README results updated"
