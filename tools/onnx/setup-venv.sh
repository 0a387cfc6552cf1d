#!/usr/bin/env bash
# Creates or updates the repository's Python venv (.venv at the repo root) from tools/onnx/requirements.txt (the ONNX
# tooling), tools/openapi/requirements.txt (the OpenAPI checker of docs/openapi.yaml) and tools/ansible/requirements.txt
# (ansible-core, the fleet role's controller and its end-to-end test).
# Idempotent and quiet: prints nothing on success; on failure prints what went wrong and exits non-zero.
#
#   bash tools/onnx/setup-venv.sh            # then: .venv/bin/python tools/onnx/reference_outputs.py --check
#
# Environment: PYTHON (default python3), VENV (default <repo>/.venv).
# On a fresh Debian machine without python3-venv, `python3 -m venv` fails; when running as root the script then
# installs python3-venv with apt-get and tries again.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv}
REQS=("$ROOT/tools/onnx/requirements.txt" "$ROOT/tools/openapi/requirements.txt" "$ROOT/tools/ansible/requirements.txt")
IMPORTS='import onnx, onnxruntime, numpy, openapi_spec_validator, openapi_schema_validator, yaml, ansible'
STAMP=$VENV/.qinfer-requirements.sha256
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

fail() {
    echo "setup-venv: $*" >&2
    if [ -s "$LOG" ]; then tail -n 40 "$LOG" >&2; fi
    exit 1
}

venv_works() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; }

make_venv() {
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" >>"$LOG" 2>&1
}

command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found (apt-get install python3)"

if ! venv_works; then
    if ! make_venv || ! venv_works; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            # Debian splits venv/ensurepip out of python3; install the package that matches the interpreter.
            pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >>"$LOG" 2>&1 || fail "apt-get update failed"
            apt-get install -y -qq python3-venv >>"$LOG" 2>&1 || fail "apt-get install python3-venv failed"
            apt-get install -y -qq "python$pyver-venv" >>"$LOG" 2>&1 || true
            make_venv || fail "python3 -m venv $VENV failed after installing python3-venv"
            venv_works || fail "$VENV has no working pip"
        else
            fail "python3 -m venv $VENV failed; install python3-venv (as root: apt-get install python3-venv)"
        fi
    fi
fi

want=$(cat "${REQS[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
    && "$VENV/bin/python" -c "$IMPORTS" >/dev/null 2>&1; then
    exit 0
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${REQS[@]/#/-r}" >>"$LOG" 2>&1 \
    || fail "pip install -r ${REQS[*]} failed"
"$VENV/bin/python" -c "$IMPORTS" >>"$LOG" 2>&1 || fail "the venv cannot import everything it should ($IMPORTS)"
echo "$want" >"$STAMP"
