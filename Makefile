# The two commands a fresh machine needs: `make run` and `make test`.
GO      ?= go
BIN     := bin/sluice
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build run test test-go fuzz faults e2e bench docs check-docs clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/sluice

# Build, then run the default pipeline (tcp/udp 5000 JSON → stdout).
run: build
	./$(BIN) serve

# Everything CI runs: vet, formatting, generated docs, unit + e2e tests
# with the race detector, and a short run of every fuzz target.
test:
	scripts/test.sh

fuzz:
	scripts/fuzz.sh $(FUZZTIME)

# The fault suite alone (its tests also run in `make test`): one line per
# scenario, "sent N, received N, lost 0, duplicated D".
faults:
	scripts/faults.sh

e2e:
	scripts/pyenv.sh && go test -race -count=1 ./e2e

bench: build
	$(GO) run ./bench -bin $(BIN) $(BENCHFLAGS)

docs: build
	./$(BIN) docs docs/plugins

clean:
	rm -rf bin .cache
