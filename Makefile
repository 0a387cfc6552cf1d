# Two entry points (README.md): `make run` builds and starts the main job, `make test` runs every test.
# Both install what they need on a fresh Debian bookworm machine (as root) and are safe to repeat.

SWIFT ?= swift
# What the host is decides the C self-test's tools (test-c): an x86-64 machine checks its own ISAs (AVX-512 through
# SIMDe) and cross-compiles the NEON variant for qemu; an aarch64 board (Raspberry Pi OS 64-bit, Jetson) runs the
# NEON self-test natively and needs neither the cross compiler nor qemu (not installable or useless there).
HOST_ARCH := $(shell uname -m)
# dpkg-dev (dpkg-shlibdeps) and binutils (strip): make deb.
APT_PACKAGES := pkg-config libsystemd-dev libgpiod-dev libopenblas-dev libpng-dev \
                gcc libc6-dev dpkg-dev binutils systemd procps util-linux curl
# GStreamer core and app (appsink) headers: QInferCamera's camera pipelines (CGStreamer links gstreamer-app-1.0).
APT_PACKAGES += libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
ifeq ($(HOST_ARCH),x86_64)
APT_PACKAGES += libsimde-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
endif
# Only `make test` needs these (chromium: the speedup report's test renders chart.svg headless, as a person's
# browser would); `make run` on a board does not pull a browser in. Prometheus (promtool checks the /metrics
# exposition, a real server scrapes the metrics socket) is unpacked by test-deps, not installed: see tools/prometheus.
# mmdebstrap: test-systemd bootstraps the Debian rootfs its systemd boots in.
TEST_APT_PACKAGES := chromium mmdebstrap
# lintian: test-deb checks the .debs with Debian's own package checker.
TEST_APT_PACKAGES += lintian
# test-fleet: the workstation's OpenSSH client and ssh-keygen, and ip for the boards' shared loopback.
TEST_APT_PACKAGES += openssh-client iproute2
# QInferCameraTests run real pipelines: videotestsrc, videoconvert, videoscale, appsink (base), multifilesrc, pngdec (good).
TEST_APT_PACKAGES += gstreamer1.0-plugins-base gstreamer1.0-plugins-good

.PHONY: run test deps test-deps apt-install python-deps build build-release test-swift test-c test-units test-bench-script test-systemd test-fleet bench \
        build-static install install-qinferd install-qinfer uninstall deb tree test-deb

# The daemon in the foreground on a socket inside the repo (no root needed), serving the shipped models/ while its
# store (run/state) is empty. Talk to it with curl --unix-socket run/qinferd.sock or QINFERD_SOCKET=run/qinferd.sock qinfer.
run: deps build-release
	mkdir -p run
	.build/release/qinferd --socket run/qinferd.sock --state-dir run/state --models-dir models --config systemd/qinferd.toml \
		--board-configs board-configs

test: test-deps python-deps test-swift test-c test-units test-bench-script test-deb test-systemd test-fleet

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

# The C self-test driver. On x86-64 twice: natively (AVX-512 through SIMDe, since this CPU may lack it) and
# cross-compiled for aarch64 under qemu (the NEON variant). On an aarch64 board once, natively: the NEON variant
# on the real CPU (run-aarch64.sh uses the board's gcc and no qemu there).
test-c:
ifeq ($(HOST_ARCH),x86_64)
	bash tools/kernel-selftest/run-x86.sh
	bash tools/kernel-selftest/run-aarch64.sh
else ifeq ($(HOST_ARCH),aarch64)
	bash tools/kernel-selftest/run-aarch64.sh
else
	@echo "test-c: no self-test for a $(HOST_ARCH) host (x86_64 and aarch64 are supported)" >&2; exit 1
endif

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

# qinferd under a real systemd 252, booted as PID 1 of its own namespaces in a Debian rootfs (never on this machine's
# root): the .deb from `make deb` installed with apt, then socket activation, notify, reload, journal, watchdog, drain,
# sandbox, admin rights, remove/reinstall/purge. Needs root; minutes. tools/systemd/e2e/README.md explains.
test-systemd: deb
	QINFERD_E2E_DEB_DIR=$(DEB_DIR) bash tools/systemd/e2e/run.sh

# A fleet of three boards (systemd rootfs like test-systemd's, each with an OpenSSH server on 127.0.0.2-4 of one
# private network namespace): the Ansible role in tools/ansible rolls a signed model out and rolls back the board whose
# check fails; the packaged qinfer pushes over ssh (signed, unsigned, wrong key, tampered, killed midway, non-admin).
# Needs root; minutes. tools/ansible/e2e/run.sh explains.
test-fleet: deb tree python-deps
	QINFERD_E2E_DEB_DIR=$(DEB_DIR) QINFERD_E2E_TREE_DIR=$(TREE_DIR) bash tools/ansible/e2e/run.sh

bench: build-release
	.build/release/qinfer bench kernels

# --- Install and packages (docs/INSTALL.md) ---
# make install [PREFIX=/usr] [DESTDIR=stage]: the statically linked binaries, the units, sysusers.d/tmpfiles.d files,
# the default config, board configs and shipped models. qinferd's built-in defaults are /usr/share/qinferd/{models,
# board-configs} and the unit's ExecStart is /usr/bin/qinferd; with another PREFIX the installed unit and config
# are rewritten to point at it. /etc stays /etc whatever PREFIX is: the unit reads /etc/qinferd/qinferd.toml and
# systemd's ConfigurationDirectory= lives there.
PREFIX ?= /usr
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/qinferd
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR := /etc
# The release build with the Swift runtime linked in (--static-swift-stdlib), so neither a board nor an installed
# system needs a Swift toolchain at run time. Its own scratch path: SwiftPM locks the build folder, and this build
# must not evict the debug/release builds of .build that make run and make test use.
STATIC_SCRATCH ?= .build-deb
STATIC_BUILD_DIR ?= $(STATIC_SCRATCH)/release
# make deb's output: qinferd_<version>_<arch>.deb and qinfer_<version>_<arch>.deb (tools/systemd/e2e looks here).
DEB_DIR ?= .build/deb

build-static:
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_SCRATCH)

# Run as root without DESTDIR, install also creates the qinferd user and its directories (what the .deb's postinst
# does), so `systemctl enable --now qinferd.socket` works right after; it never enables or starts anything itself.
install: build-static
	@$(MAKE) --no-print-directory install-qinferd install-qinfer
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		systemd-sysusers qinferd.conf && systemd-tmpfiles --create qinferd.conf; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
		echo "installed; start it with: systemctl enable --now qinferd.socket"; \
	fi

# The two halves of install, from binaries already in STATIC_BUILD_DIR (packaging/deb/build-deb.sh stages each
# package with one of them).
install-qinferd:
	@test -x $(STATIC_BUILD_DIR)/qinferd || { echo "install: $(STATIC_BUILD_DIR)/qinferd is not built (make build-static)" >&2; exit 1; }
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSCONFDIR)/qinferd $(DESTDIR)$(DATADIR)/board-configs $(DESTDIR)$(DATADIR)/models
	@# Empty: an admin drops *.pub files in (trusted_keys_dir); with require_signature = "auto" the first one closes the door.
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/qinferd/trusted-keys.d
	install -m 0755 $(STATIC_BUILD_DIR)/qinferd $(DESTDIR)$(BINDIR)/qinferd
	sed 's|^ExecStart=/usr/bin/qinferd |ExecStart=$(BINDIR)/qinferd |' systemd/qinferd.service >$(DESTDIR)$(UNITDIR)/qinferd.service
	@grep -q '^ExecStart=$(BINDIR)/qinferd ' $(DESTDIR)$(UNITDIR)/qinferd.service || \
		{ echo "install: systemd/qinferd.service has no 'ExecStart=/usr/bin/qinferd …' line to point at $(BINDIR)" >&2; exit 1; }
	chmod 0644 $(DESTDIR)$(UNITDIR)/qinferd.service
	install -m 0644 systemd/qinferd.socket systemd/qinferd-metrics.socket $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/qinferd.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/qinferd.conf
	install -m 0644 systemd/qinferd.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/qinferd.conf
	install -m 0644 board-configs/*.toml $(DESTDIR)$(DATADIR)/board-configs/
	@# The camera drop-in is an example an admin installs when qinferd.toml has camera sources (docs/SOURCES.md).
	install -d -m 0755 $(DESTDIR)$(DATADIR)/systemd
	install -m 0644 systemd/qinferd-camera.conf $(DESTDIR)$(DATADIR)/systemd/camera.conf
	@# Per model only what the daemon serves (the .qpack files: ModelStore.qpacks(under:) walks the folder) and what
	@# says what it is and under which terms (MODEL_CARD.md, LICENSE). The ONNX twins and test sets stay in the repo.
	for dir in models/*/; do \
		name=$$(basename $$dir); \
		install -d -m 0755 $(DESTDIR)$(DATADIR)/models/$$name && \
		install -m 0644 $$dir*.qpack $$dir/MODEL_CARD.md $$dir/LICENSE $(DESTDIR)$(DATADIR)/models/$$name/ || exit 1; \
	done
	@# The default config: unchanged under /usr (its commented defaults are the binary's); another PREFIX sets the two
	@# paths. An existing config is an admin's and is left alone (the .deb lets dpkg handle it as a conffile).
	@config=$(DESTDIR)$(SYSCONFDIR)/qinferd/qinferd.toml; \
	if [ -e $$config ]; then echo "install: $$config exists, left as it is (systemd/qinferd.toml is the default)"; \
	elif [ "$(DATADIR)" = /usr/share/qinferd ]; then install -m 0644 systemd/qinferd.toml $$config; \
	else sed -e 's|^# embedded_models = .*|embedded_models = ["$(DATADIR)/models"]|' \
		-e 's|^# board_configs = .*|board_configs = "$(DATADIR)/board-configs"|' systemd/qinferd.toml >$$config && \
		chmod 0644 $$config && echo "install: $$config points at $(DATADIR)"; fi

install-qinfer:
	@test -x $(STATIC_BUILD_DIR)/qinfer || { echo "install: $(STATIC_BUILD_DIR)/qinfer is not built (make build-static)" >&2; exit 1; }
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(STATIC_BUILD_DIR)/qinfer $(DESTDIR)$(BINDIR)/qinfer
	@# `qinfer bench speedup` runs it with a Python that has onnxruntime (ONNXRuntimeProbe looks here).
	install -m 0644 tools/bench/ort_runner.py $(DESTDIR)$(DATADIR)/ort_runner.py

# Removes what install put under PREFIX. Kept: /etc/qinferd (an admin's config), /var/lib/qinferd (the model store)
# and the qinferd user, as `apt remove` keeps them.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl disable --now qinferd.socket qinferd-metrics.socket qinferd.service 2>/dev/null || true; fi
	rm -f $(DESTDIR)$(BINDIR)/qinferd $(DESTDIR)$(BINDIR)/qinfer \
		$(DESTDIR)$(UNITDIR)/qinferd.service $(DESTDIR)$(UNITDIR)/qinferd.socket $(DESTDIR)$(UNITDIR)/qinferd-metrics.socket \
		$(DESTDIR)$(SYSUSERSDIR)/qinferd.conf $(DESTDIR)$(TMPFILESDIR)/qinferd.conf
	rm -rf $(DESTDIR)$(DATADIR)
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# qinferd_<version>_<arch>.deb and qinfer_<version>_<arch>.deb in DEB_DIR, for this machine's architecture.
deb: build-static
	bash packaging/deb/build-deb.sh $(STATIC_BUILD_DIR) $(DEB_DIR)

# qinferd-<version>-linux-<machine>.tar.gz in TREE_DIR: make install's tree (PREFIX=/usr) for boards without dpkg;
# tools/ansible's role unpacks it at / (qinferd_install: tree, docs/FLEET.md).
TREE_DIR ?= .build/tree
tree: build-static
	bash packaging/tree/build-tree.sh $(STATIC_BUILD_DIR) $(TREE_DIR)

# The .debs as a board would get them: lintian without errors, the expected files, Depends matching what the
# binaries link, and make install's layout under another PREFIX.
test-deb: deb
	bash packaging/deb/test-deb.sh $(DEB_DIR) $(STATIC_BUILD_DIR)
