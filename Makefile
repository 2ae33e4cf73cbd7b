# repoclosure: make demo runs the matrix and a closure report on testdata/;
# make test installs the oracle tools when missing and runs every test.
GO      ?= go
BIN     := bin/repoclosure
export CGO_ENABLED := 0

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

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: build
	bash bench/run.sh

demo: build
	bash testdata/demo.sh $(BIN)

clean:
	rm -rf bin out
