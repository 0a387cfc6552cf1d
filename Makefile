# Two entry points (README.md): `make run` builds and starts the main job, `make test` runs every test.
# Both install what they need on a fresh Debian bookworm machine (as root) and are safe to repeat.

SWIFT ?= swift
APT_PACKAGES := pkg-config libsystemd-dev libgpiod-dev libopenblas-dev libsimde-dev libpng-dev \
                gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static systemd procps util-linux curl
# Only `make test` needs these (chromium: the speedup report's test renders chart.svg headless, as a person's
# browser would); `make run` on a board does not pull a browser in. Prometheus (promtool checks the /metrics
# exposition, a real server scrapes the metrics socket) is unpacked by test-deps, not installed: see tools/prometheus.
TEST_APT_PACKAGES := chromium

.PHONY: run test deps test-deps apt-install python-deps build build-release test-swift test-c test-units test-bench-script bench

# The daemon in the foreground on a socket inside the repo (no root needed), serving the shipped models/ while its
# store (run/state) is empty. Talk to it with curl --unix-socket run/qinferd.sock or QINFERD_SOCKET=run/qinferd.sock qinfer.
run: deps build-release
	mkdir -p run
	.build/release/qinferd --socket run/qinferd.sock --state-dir run/state --models-dir models --config systemd/qinferd.toml \
		--board-configs board-configs

test: test-deps python-deps test-swift test-c test-units test-bench-script

# The ONNX tests need onnx, onnxruntime and numpy (pinned in tools/onnx/requirements.txt) in .venv: the committed
# onnxruntime reference outputs are recomputed and compared, and the backend node tests are written from the onnx
# wheel's own test-case generators (1.23 ships the generators, not the data) into the venv's onnx package.
python-deps:
	bash tools/onnx/setup-venv.sh
	.venv/bin/python tools/onnx/reference_outputs.py --check
	.venv/bin/python tools/onnx/generate_node_tests.py

# apt-get only when something is missing, so a prepared machine needs no network and no root.
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"
	bash tools/prometheus/unpack.sh

apt-install:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "error: missing packages ($$missing); run as root or install them" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build:
	$(SWIFT) build

build-release:
	$(SWIFT) build -c release

test-swift:
	$(SWIFT) build --build-tests
	QINFER_ONNX_NODE_TESTS=$$(.venv/bin/python -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node"))') \
		$(SWIFT) test

# The same C self-test driver twice: natively (AVX-512 through SIMDe, since this CPU may lack it) and
# cross-compiled for aarch64 under qemu (the NEON variant).
test-c:
	bash tools/kernel-selftest/run-x86.sh
	bash tools/kernel-selftest/run-aarch64.sh

# The peer comparison end to end on the debug build (numbers meaningless there): both shipped models timed in qinfer
# and their FP32 twins in the venv's onnxruntime, one JSON line each.
test-bench-script:
	.venv/bin/python tools/bench/speedup_vs_onnxruntime.py --qinfer .build/debug/qinfer --rounds 1 --seconds 0.05 --json \
		| .venv/bin/python -c 'import json, sys; rows = [json.loads(l) for l in sys.stdin]; \
assert sorted(r["model"] for r in rows) == ["bipointnet", "irnet"], rows; \
assert all(r["qinfer_median_us"] > 0 and r["onnxruntime_fp32_median_us"] > 0 and r["speedup"] > 0 for r in rows), rows; \
print("speedup_vs_onnxruntime.py: ok")'

# systemd units: `systemd-analyze verify` must print nothing, exposure must stay ≤ 2.0.
test-units:
	bash tools/systemd/verify-units.sh

bench: build-release
	.build/release/qinfer bench kernels
