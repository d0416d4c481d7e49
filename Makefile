# dlc: two commands matter. `make demo` runs the main job, `make test` runs every test.
# Both install what they need (LLVM's opt/llc, gcc) when it is missing.
#   make test                  vet, every test, and the runtime under the race detector
#   FUZZTIME=2m make fuzz      each fuzz target for FUZZTIME (default 30s)
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
FUZZTIME ?= 30s

.PHONY: setup build test race fuzz demo bench clean

setup:
	@scripts/setup.sh

# -buildvcs=true stamps the commit into the binary (dlc version prints it)
# even where GOFLAGS says otherwise.
build: setup
	$(GO) build -buildvcs=true -o bin/dlc ./cmd/dlc

# examples/diffusion and examples/fashion are modules of their own (their
# plots need gonum/plot); their test is TestExamplesRun in ./tests, which
# builds and runs them. The end-to-end package ./tests takes 3-5 minutes on
# a quiet 2-core machine, beyond go test's default 10-minute limit when
# the cores are shared: hence -timeout.
test: setup
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l .); if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd examples/diffusion && $(GO) vet ./...
	cd examples/fashion && $(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory race

# The runtime's worker pool and concurrent calls under the race detector.
race: setup
	$(GO) test -race -count=1 ./runtime/...

fuzz:
	@GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

demo: build
	@scripts/demo.sh

bench: build
	@scripts/setup.sh --bench
	$(GO) test -run '^$$' -bench . -benchtime 10x -timeout 30m ./tests/

clean:
	rm -rf bin
