# dlc: two commands matter. `make demo` runs the main job, `make test` runs every test.
# Both install what they need (LLVM's opt/llc, gcc) when it is missing.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

.PHONY: setup build test demo bench clean

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o bin/dlc ./cmd/dlc

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 ./...

demo: build
	@scripts/demo.sh

bench: build
	@scripts/setup.sh --bench
	$(GO) test -run '^$$' -bench . -benchtime 10x -timeout 30m ./tests/

clean:
	rm -rf bin
