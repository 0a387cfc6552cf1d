#!/usr/bin/env bash
# Regenerates Sources/QInferONNX/Generated/onnx.pb.swift from the onnx.proto shipped in a pinned onnx wheel.
# The output is committed so that building qinferd never needs protoc, Python or the plugin; run this only when
# moving to another onnx or swift-protobuf version (bump both pins below together with Package.swift).
#
#   bash tools/onnx/regenerate-onnx-swift.sh
#
# Environment: SWIFT (default swift), PYTHON (default python3), ONNX_GEN_SCRATCH (where the plugin is built;
# default .build-onnx-gen in the repo, git-ignored). The plugin build takes a few minutes (about two on two
# cores) and is reused on later runs.
set -euo pipefail

ONNX_VERSION=1.23.2
SWIFT_PROTOBUF_VERSION=1.39.0

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
SCRATCH=${ONNX_GEN_SCRATCH:-$ROOT/.build-onnx-gen}
VENV=$ROOT/.venv
OUT_DIR=$ROOT/Sources/QInferONNX/Generated
OUT=$OUT_DIR/onnx.pb.swift

log() { echo "regenerate-onnx-swift: $*" >&2; }

if ! command -v protoc >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        log "protoc is missing; install protobuf-compiler (apt) or run as root"; exit 1
    fi
    log "installing protobuf-compiler"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler
fi

# The .proto comes from the wheel rather than a copy in the repo so the pin above is the single source of truth.
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import onnx, sys; sys.exit(onnx.__version__ != '$ONNX_VERSION')" 2>/dev/null; then
    log "installing onnx==$ONNX_VERSION into $VENV"
    "$VENV/bin/pip" install -q "onnx==$ONNX_VERSION"
fi
ONNX_DIR=$("$VENV/bin/python" -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
[ -f "$ONNX_DIR/onnx.proto" ] || { log "no onnx.proto in $ONNX_DIR"; exit 1; }

# A clean checkout of the tag, so a stray local build of the package cannot leak into the plugin.
PLUGIN_SRC=$SCRATCH/swift-protobuf-$SWIFT_PROTOBUF_VERSION
PLUGIN=$PLUGIN_SRC/.build/release/protoc-gen-swift
if [ ! -x "$PLUGIN" ]; then
    mkdir -p "$SCRATCH"
    if [ ! -d "$PLUGIN_SRC/.git" ]; then
        log "cloning swift-protobuf $SWIFT_PROTOBUF_VERSION"
        git -c advice.detachedHead=false clone -q --depth 1 --branch "$SWIFT_PROTOBUF_VERSION" https://github.com/apple/swift-protobuf "$PLUGIN_SRC"
    fi
    log "building protoc-gen-swift (a few minutes)"
    (cd "$PLUGIN_SRC" && "$SWIFT" build -c release --product protoc-gen-swift)
fi

# protoc names the output after the input file, so generate into a temp dir and move it into place.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cp "$ONNX_DIR/onnx.proto" "$TMP/onnx.proto"
protoc --plugin=protoc-gen-swift="$PLUGIN" \
       --swift_opt=Visibility=Public \
       --swift_out="$TMP" \
       -I "$TMP" "$TMP/onnx.proto"

mkdir -p "$OUT_DIR"
{
    echo "// Generated from onnx.proto of the onnx $ONNX_VERSION wheel by protoc-gen-swift $SWIFT_PROTOBUF_VERSION"
    echo "// ($(protoc --version)). Regenerate with tools/onnx/regenerate-onnx-swift.sh; do not edit."
    cat "$TMP/onnx.pb.swift"
} > "$OUT"
log "wrote $OUT"
