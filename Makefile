# repoclosure: make demo runs the matrix and a closure report on testdata/;
# make test installs the oracle tools when missing and runs every test.
GO      ?= go
BIN     := bin/repoclosure
export CGO_ENABLED := 0
STATICCHECK_VERSION := v0.8.2
# The packages staticcheck checks: ./... once the whole tree is clean.
STATICCHECK_PKGS ?= ./repomd/... ./internal/...

.PHONY: all build test deps bench demo lint fixtures clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/repoclosure

# deps installs dnf, createrepo_c, rpmbuild and libsolv-tools (the oracles the
# tests compare with) when they are missing and this is Debian as root.
deps:
	@bash .ci/deps

test: deps lint
	$(GO) test -count=1 ./...

# lint runs go vet, gofmt and staticcheck (installed at STATICCHECK_VERSION
# when it is neither on PATH nor in Go's bin directory).
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@bin=$$($(GO) env GOBIN); bin=$${bin:-$$($(GO) env GOPATH)/bin}; \
	sc=$$(command -v staticcheck || echo "$$bin/staticcheck"); \
	if [ ! -x "$$sc" ]; then \
		echo "installing staticcheck $(STATICCHECK_VERSION)"; \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) || exit 1; \
	fi; \
	echo "staticcheck $(STATICCHECK_PKGS)"; "$$sc" $(STATICCHECK_PKGS)

bench: build
	bash bench/run.sh

demo: build
	bash testdata/demo.sh $(BIN)

clean:
	rm -rf bin out
