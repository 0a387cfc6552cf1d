#!/usr/bin/env python3
"""Writes the ONNX backend node tests (model.onnx + test_data_set_0/{input,output}_N.pb per test) from the test
case generators the onnx wheel ships in onnx/backend/test/case/node/.

Recent onnx wheels (1.23 among them) no longer ship the generated data directory onnx/backend/test/data/node/, only
the Python that produces it; Tests/QInferONNXTests/NodeTests.swift reads the generated files. By default they go
where older wheels shipped them, inside the venv's onnx package, so nothing is written to the repository:

    .venv/bin/python tools/onnx/generate_node_tests.py            # → <site-packages>/onnx/backend/test/data/node
    .venv/bin/python tools/onnx/generate_node_tests.py -o DIR     # elsewhere (then QINFER_ONNX_NODE_TESTS=DIR)

Random inputs are seeded, so two runs write the same files. Tests whose inputs or outputs are not plain tensors
(sequences, maps, optionals) are left out: no op the importer supports uses them. A stamp in the directory records
the onnx and numpy versions and this script's hash; when they match, nothing is rewritten (--force rewrites).
Prints one summary line.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import warnings


def default_output() -> str:
    import onnx.backend.test

    return os.path.join(os.path.dirname(onnx.backend.test.__file__), "data", "node")


def tensor_bytes(value, info) -> bytes | None:
    """Serialized TensorProto of one input/output value, or None when the graph's type is not a tensor."""
    from onnx import TensorProto, numpy_helper

    if not info.type.HasField("tensor_type"):
        return None
    if isinstance(value, TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(value, info.name).SerializeToString()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", help="directory to write (default: the onnx package's data/node)")
    parser.add_argument("--force", action="store_true", help="rewrite even when the stamp matches")
    args = parser.parse_args()

    import numpy as np
    import onnx

    out_root = args.output or default_output()
    with open(__file__, "rb") as f:
        stamp = f"onnx {onnx.__version__} numpy {np.__version__} script {hashlib.sha256(f.read()).hexdigest()}\n"
    stamp_path = os.path.join(out_root, ".qinfer-generated")
    if not args.force and os.path.isfile(stamp_path):
        with open(stamp_path) as f:
            if f.read() == stamp:
                count = sum(1 for e in os.scandir(out_root) if e.is_dir())
                print(f"generate_node_tests: {count} node tests in {out_root} are up to date")
                return 0

    import onnx.backend.test.case.node as node_cases

    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some generators divide by zero on purpose (±inf expectations)
        cases = node_cases.collect_testcases()

    staging = out_root + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    written = skipped = 0
    for case in cases:
        if case.model is None or not case.data_sets:
            skipped += 1
            continue
        graph = case.model.graph
        inputs, outputs = case.data_sets[0]
        blobs = []
        ok = True
        for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            for j, value in enumerate(values):
                data = tensor_bytes(value, infos[j]) if j < len(infos) else None
                if data is None:
                    ok = False
                    break
                blobs.append((f"{kind}_{j}.pb", data))
            if not ok:
                break
        if not ok:
            skipped += 1
            continue
        case_dir = os.path.join(staging, case.name)
        os.makedirs(os.path.join(case_dir, "test_data_set_0"))
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for name, data in blobs:
            with open(os.path.join(case_dir, "test_data_set_0", name), "wb") as f:
                f.write(data)
        written += 1
    with open(os.path.join(staging, ".qinfer-generated"), "w") as f:
        f.write(stamp)
    # Replace the old directory only once the new one is complete.
    shutil.rmtree(out_root, ignore_errors=True)
    os.replace(staging, out_root)
    print(f"generate_node_tests: {written} node tests in {out_root} ({skipped} with non-tensor values left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
