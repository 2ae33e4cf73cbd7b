# repoclosure: make demo runs the matrix and a closure report on testdata/;
# make test installs the oracle tools when missing and runs every test.
GO      ?= go
BIN     := bin/repoclosure
export CGO_ENABLED := 0
STATICCHECK_VERSION := v0.8.2
# The packages staticcheck checks.
STATICCHECK_PKGS ?= ./...

# --version prints these; `git describe` needs a tag for a release number.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

# make install PREFIX=/usr DESTDIR=/tmp/pkgroot
PREFIX  ?= /usr/local
DESTDIR ?=
# The arches kmods ship for.
RELEASE_ARCHES ?= amd64 arm64 ppc64le s390x
IMAGE   ?= repoclosure:$(VERSION)
ENGINE  ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)

.PHONY: all build test deps bench demo lint fixtures clean man install release image

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/repoclosure

# man writes one page per command to out/man from the command tree.
man:
	rm -rf out/man
	$(GO) run -trimpath -tags mangen -ldflags '$(LDFLAGS)' ./cmd/repoclosure gen-man out/man

install: build man
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/repoclosure
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 out/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) completion bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/repoclosure
	$(BIN) completion zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_repoclosure
	$(BIN) completion fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/repoclosure.fish
	install -D -m 0644 LICENSE $(DESTDIR)$(PREFIX)/share/licenses/repoclosure/LICENSE
	install -D -m 0644 NOTICE $(DESTDIR)$(PREFIX)/share/licenses/repoclosure/NOTICE

# release builds static linux binaries and archives for RELEASE_ARCHES in
# out/release, with SHA256SUMS.
release:
	bash build/release.sh out/release $(VERSION) $(COMMIT) $(RELEASE_ARCHES)

# image builds the container image (Dockerfile) with podman or docker.
image:
	@test -n "$(ENGINE)" || { echo "make image needs podman or docker"; exit 1; }
	$(ENGINE) build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .

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
