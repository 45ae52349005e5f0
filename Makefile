# SPDX-License-Identifier: GPL-3.0-or-later
# Every target installs what it needs on a fresh Debian 12 machine (as root), then does its job.
# Installing is idempotent and silent when nothing is missing.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Debian packages the build needs; the tests and benchmarks need a few more.
BUILD_PACKAGES := cmake ninja-build g++ pkg-config tzdata \
	qt6-base-dev qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite libqt6sql6-psql \
	libyaml-cpp-dev libsodium-dev libsqlite3-dev libpq-dev libldap-dev nodejs npm
TEST_PACKAGES := postgresql chromium graphviz nginx openssl systemd universal-ctags slapd ldap-utils python3-aiosmtpd sqlite3 \
	fonts-wqy-microhei

# install-packages: apt-get the listed packages that are not installed yet (idempotent, quiet).
define install-packages
	@missing=""; \
	for p in $(1); do \
		case $$p in nodejs) command -v node >/dev/null && continue;; npm) command -v npm >/dev/null && continue;; esac; \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing missing Debian packages:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
			|| { echo "apt-get install failed"; exit 1; }; \
	fi
endef

.PHONY: all deps test-deps web build run test bench clean format fuzz fuzz-replay

all: build

deps:
	$(call install-packages,$(BUILD_PACKAGES))

test-deps: deps
	$(call install-packages,$(TEST_PACKAGES))

# The web UI, built with npm into web/dist/ and embedded into the binary as Qt resources.
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.ts -type f 2>/dev/null)
web/dist/index.html: $(WEB_SOURCES) | deps
	@if [ -f web/package.json ]; then \
		cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] \
			|| npm ci --no-audit --no-fund --loglevel=error; } && npm run build --silent; \
	fi

web: web/dist/index.html

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: deps web $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@mkdir -p var
	$(BUILD_DIR)/baton serve --listen 127.0.0.1:8080 --db sqlite:var/baton.db --workflows workflows --demo

test: test-deps build
	@cd $(BUILD_DIR) && BATON_REQUIRE_POSTGRESQL=1 BATON_REQUIRE_NGINX=1 BATON_REQUIRE_SYSTEMD=1 ctest --output-on-failure -j $(JOBS) --timeout 900

bench: test-deps build
	@mkdir -p $(BUILD_DIR)/bench
	@set -e; for b in $(BUILD_DIR)/bench-bin/*; do \
		[ -x "$$b" ] || continue; echo "== $$(basename $$b)"; "$$b" $(BUILD_DIR)/bench; done
	@echo "Results: $(BUILD_DIR)/bench/*.json"

# Fuzzing (tests/fuzz): a separate clang build with libFuzzer, ASan and UBSan; each target is
# fuzzed FUZZ_SECONDS on its corpus and fails on any crash, hang or memory blow-up. fuzz-replay
# only re-runs the seeds and saved regressions under the sanitizers.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?=
FUZZ_PACKAGES := clang libclang-rt-14-dev cmake ninja-build qt6-base-dev libyaml-cpp-dev tzdata

$(FUZZ_BUILD_DIR)/build.ninja: tests/fuzz/CMakeLists.txt
	$(call install-packages,$(FUZZ_PACKAGES))
	@CXX=clang++ cmake -S tests/fuzz -B $(FUZZ_BUILD_DIR) -G Ninja >/dev/null

fuzz-replay: $(FUZZ_BUILD_DIR)/build.ninja
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)
	@tests/fuzz/run.sh replay $(FUZZ_BUILD_DIR) $(FUZZ_TARGETS)

fuzz: fuzz-replay
	@tests/fuzz/run.sh fuzz $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
