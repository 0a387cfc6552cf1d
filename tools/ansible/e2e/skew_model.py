#!/usr/bin/env python3
"""A copy of an ONNX classifier that always answers one class: a model that packs, signs and loads like a good one
but fails its check on a board, which is what a rollout must catch (bad training run, wrong export, swapped labels).

    skew_model.py IN.onnx OUT.onnx CLASS_INDEX      (.venv's python: needs the onnx package)

The bias of the final Gemm gets +1000 on CLASS_INDEX, far above any logit the network computes.
"""
import sys

import onnx
from onnx import numpy_helper


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    source, target, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = onnx.load(source)
    gemms = [n for n in model.graph.node if n.op_type == "Gemm" and len(n.input) == 3]
    if not gemms:
        raise SystemExit(f"{source}: no Gemm with a bias to skew")
    bias_name = gemms[-1].input[2]
    for i, tensor in enumerate(model.graph.initializer):
        if tensor.name == bias_name:
            bias = numpy_helper.to_array(tensor).copy()
            if not 0 <= index < bias.size:
                raise SystemExit(f"{source}: class {index} is outside the {bias.size} outputs")
            bias[index] += 1000.0
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(bias, bias_name))
            onnx.save(model, target)
            return
    raise SystemExit(f"{source}: the final Gemm's bias {bias_name} is not an initializer")


if __name__ == "__main__":
    main()
