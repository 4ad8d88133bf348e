# Build, check and test the xAI Go SDK. Every tool is built from the pinned
# modules in tools/ into ./bin, so a machine with only Go can run each target.

BIN   := $(CURDIR)/bin
BUF   := $(BIN)/buf
TOOLS := $(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc
export PATH := $(BIN):$(PATH)

GO_FILES = $(shell git ls-files '*.go')

.PHONY: all tools generate lint breaking check-generated test check run bench fuzz load polyglot polyglot-selftest

all: check test

tools: $(TOOLS)

$(BIN)/buf: tools/buf/go.mod tools/buf/go.sum
	cd tools/buf && GOBIN=$(BIN) go install github.com/bufbuild/buf/cmd/buf

$(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc: tools/go.mod tools/go.sum
	cd tools && GOBIN=$(BIN) go install google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc

## generate: compile proto/ into gen/ with buf and the pinned plugins.
generate: $(TOOLS)
	$(BUF) generate

## lint: buf lint, buf format, gofmt and go vet.
lint: $(BIN)/buf
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@out=$$(gofmt -l $(GO_FILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

## breaking: fail on wire or JSON incompatible changes against main.
breaking: $(BIN)/buf
	$(BUF) breaking --against '.git#branch=main'

## check-generated: gen/ must be exactly what generate produces.
check-generated: generate
	@status=$$(git status --porcelain -- gen); if [ -n "$$status" ]; then \
		echo "gen/ is out of date with proto/; run 'make generate' and commit:"; echo "$$status"; exit 1; fi

## test: every test, with the race detector.
test:
	go test -race ./...

## check: all static checks.
check: lint check-generated breaking

## run: the Responses walkthrough, against the real API if XAI_API_KEY is set,
## else against the in-process fake server.
run:
	go run ./examples/responses

$(BIN)/benchstat: tools/go.mod tools/go.sum
	cd tools && GOBIN=$(BIN) go install golang.org/x/perf/cmd/benchstat

BENCHCOUNT ?= 10
BENCHTIME  ?= 1s
BENCHOUT   ?= $(BIN)/bench.txt

## bench: the SDK against the raw stubs on the in-process fake server, then
## the ratio table of scripts/benchtable; raw results in BENCHOUT. The
## benchmarks run BENCHCOUNT times over (like -count, but each pass runs
## every pair back to back, so that other load on the machine falls on both
## sides of a pair alike), BENCHTIME each. See docs/PERFORMANCE.md.
bench: $(BIN)/benchstat
	go test -c -o $(BIN)/xai-bench.test ./xai/
	@rm -f $(BENCHOUT); for i in $$(seq $(BENCHCOUNT)); do \
		echo "bench: pass $$i of $(BENCHCOUNT)"; \
		(cd xai && $(BIN)/xai-bench.test -test.run '^$$' -test.bench . -test.benchmem -test.benchtime $(BENCHTIME)) \
			>> $(BENCHOUT) || { tail -30 $(BENCHOUT); exit 1; }; \
	done
	scripts/benchtable $(BENCHOUT)

FUZZTIME ?= 60s

## fuzz: every fuzz target of the repository (func Fuzz... in any _test.go),
## one `go test -fuzz` run of FUZZTIME each; fails if any target fails.
fuzz:
	@fail=""; \
	for file in $$(grep -rl --include='*_test.go' --exclude-dir=tools --exclude-dir=bin '^func Fuzz' . | sort); do \
		pkg=./$$(dirname $${file#./}); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "== $$name ($$pkg, $(FUZZTIME))"; \
			go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || fail="$$fail $$name"; \
		done; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz: failed:$$fail"; exit 1; fi

LOADTIME    ?= 30s
LOADSTREAMS ?= 1000

## load: opt-in load test (build tag load): LOADSTREAMS concurrent streams
## through one client for LOADTIME against cmd/xaifake, memory sampled.
load:
	XAI_LOAD_DURATION=$(LOADTIME) XAI_LOAD_STREAMS=$(LOADSTREAMS) \
		go test -tags load -run '^TestLoad$$' -count=1 -v -timeout 15m ./internal/loadtest/

## polyglot: the Python and TypeScript examples of examples/polyglot, each
## with stubs generated from proto/ by its own tool chain, run against
## cmd/xaifake on a free loopback port; installs the Debian and npm packages
## they need (see scripts/polyglot).
polyglot:
	scripts/polyglot

## polyglot-selftest: the same examples against servers that answer wrongly
## (another key; internal/wrongfake, one fault at a time): fails unless each
## run exits non-zero naming the check that caught the fault.
polyglot-selftest:
	scripts/polyglot --selftest
