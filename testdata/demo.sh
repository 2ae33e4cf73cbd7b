#!/usr/bin/env bash
# make demo: the kmod × kernel matrix, the kernel series report and closure
# reports, offline, on the repositories shipped in testdata/.
set -euo pipefail
bin=${1:-bin/repoclosure}
cd "$(dirname "$0")/.."
mkdir -p out
opts=(-q --setopt=reposdir=/nonexistent --cachedir out/cache --forcearch x86_64)
demo=(--repofrompath kernels,testdata/el8-demo/kernels --repofrompath kmods,testdata/el8-demo/kmods)

echo "== kmod × kernel install matrix: EL8-like series (testdata/el8-demo, made by cmd/repogen)"
"$bin" matrix "${opts[@]}" "${demo[@]}"

echo
echo "== kernel series: symbol change and kmod rebuilds, with the kABI stable list"
"$bin" series "${opts[@]}" "${demo[@]}" --stablelist testdata/el8-demo/kabi_stablelist_x86_64

"$bin" matrix "${opts[@]}" "${demo[@]}" --format html -o out/matrix.html
"$bin" series "${opts[@]}" "${demo[@]}" --stablelist testdata/el8-demo/kabi_stablelist_x86_64 --symbols --format html -o out/series.html
echo
echo "== wrote out/matrix.html and out/series.html (open them in a browser)"

echo
echo "== matrix on real CentOS Stream 9 BaseOS metadata: kernel 5.14.0-55.el9 and kmod-kvdo (testdata/cs9-kernel)"
"$bin" matrix "${opts[@]}" --repofrompath cs9,testdata/cs9-kernel

echo
echo "== closure report: rpmbuild fixtures (testdata/fixtures/repos/base), as dnf repoclosure prints it"
status=0
"$bin" "${opts[@]}" --repofrompath base,testdata/fixtures/repos/base --repo base || status=$?
echo "(exit code $status: 1 means unresolved dependencies, as dnf)"
[ "$status" -le 1 ]
