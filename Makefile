# The front door. `make run` builds and starts the daemon on the embedded default
# config; `make test` builds with sanitizers and runs every test. Both install missing
# Debian packages first.
JOBS ?= 2
CTEST_ARGS ?=

.PHONY: all deps release dev run test bench fuzz tsan clean

all: release

deps:
	@scripts/install-deps

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

run: release
	build/release/bin/kairos serve

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers

# The concurrency stress tests (tests/tsan/*_test.cc) under ThreadSanitizer: only their
# targets are built in the tsan preset.
TSAN_TARGETS := $(patsubst tests/tsan/%_test.cc,tsan_%,$(wildcard tests/tsan/*_test.cc))
tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TARGETS)

# Everything under ASan+UBSan (g++), the fuzz targets under clang's libFuzzer, then the
# stress tests under ThreadSanitizer.
test: dev fuzz tsan
	ctest --preset dev -j $(JOBS) $(CTEST_ARGS)
	ctest --preset fuzz -j $(JOBS) -L fuzz
	ctest --preset tsan -L tsan

bench: release
	scripts/run-benchmarks

clean:
	rm -rf build
