# The two commands a new user needs: `make demo` and `make test`.
BUILD ?= build
JOBS  ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test transparency bench fuzz sanitize clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# CPython's own regression tests (test_posix, test_os, test_subprocess, test_signal,
# test_threading) natively and under an allow-all policy in both modes, compared case by case
# (issue 16). Part of `make test` (they overlap the rest: 3.5 minutes in all on 2 cores); this
# runs them alone.
transparency: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L transparency

bench: build
	@scripts/bench $(BUILD)

# Hardening checks (docs/SECURITY.md), each in its own build directory so `make test` stays as
# it is. `make sanitize`: the supervisor, its libraries and the unit tests built with ASan+UBSan
# (victims stay plain), then the unit, integration, pledge and hostile tests; the hostile tests
# of known open findings (label open-bypass) are no sanitizer check and are left to `make test`.
# `make fuzz`: the libFuzzer targets (clang), each run for FUZZ_SECONDS.
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60

sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXPLEDGE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -R '^(unit_|integration\.|pledge\.|hostile\.)' -LE open-bypass

fuzz:
	@XPLEDGE_DEPS_EXTRA="clang libclang-rt-14-dev" scripts/install-deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXPLEDGE_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_policy fuzz_promises fuzz_path
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
