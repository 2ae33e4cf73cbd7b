#!/usr/bin/env bash
# release.sh OUTDIR VERSION COMMIT ARCH...: one static linux binary per ARCH
# (-trimpath, -s -w, version stamped), each packed with the man pages, the
# shell completions and the licenses in repoclosure-VERSION-linux-ARCH.tar.gz,
# and SHA256SUMS over the archives and binaries.
set -euo pipefail
out=$1 version=$2 commit=$3
shift 3
cd "$(dirname "$0")/.."
export CGO_ENABLED=0
ldflags="-s -w -X main.version=$version -X main.commit=$commit"
rm -rf "$out"
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Man pages and completions are the same on every arch: make them once with
# a host build.
go run -trimpath -tags mangen -ldflags "$ldflags" ./cmd/repoclosure gen-man "$stage/man"
go build -trimpath -ldflags "$ldflags" -o "$stage/host" ./cmd/repoclosure
mkdir -p "$stage/completions"
"$stage/host" completion bash >"$stage/completions/repoclosure.bash"
"$stage/host" completion zsh >"$stage/completions/_repoclosure"
"$stage/host" completion fish >"$stage/completions/repoclosure.fish"
bash build/licenses.sh "$stage/licenses"
for arch in "$@"; do
	name=repoclosure-$version-linux-$arch
	GOOS=linux GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$out/$name" ./cmd/repoclosure
	mkdir -p "$stage/$name"
	cp "$out/$name" "$stage/$name/repoclosure"
	cp -r "$stage/man" "$stage/completions" "$stage/licenses" README.md "$stage/$name/"
	tar -C "$stage" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz" "$name"
done
(cd "$out" && sha256sum repoclosure-* >SHA256SUMS)
echo "release $version in $out:"
cat "$out/SHA256SUMS"
