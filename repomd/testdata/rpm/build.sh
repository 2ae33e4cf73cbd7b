#!/bin/sh
# Regenerates the fixture packages in this folder from the .spec files beside
# it (rpmbuild 4.18; go for patchweak.go), or writes them to OUTDIR. Run from
# anywhere:
#   sh repomd/testdata/rpm/build.sh [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT

# Fixed times and host make binary packages rebuild byte-identical (source
# packages differ in the times rpmbuild gives their files).
export SOURCE_DATE_EPOCH=1700000000
rb() {
	rpmbuild --quiet --nodeps --define "_topdir $top" --define "_sourcedir $here" \
		--define "_buildhost fixture.example.com" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_source_payload w9.gzdio" \
		"$@"
}

rm -f "$out"/*.rpm
rb -bb --define "_binary_payload w19.zstdio" "$here/rc-deps.spec"
rb -bs "$here/rc-deps.spec"
rb -bb --define "_binary_payload w9.gzdio" "$here/rc-noarch.spec"
rb -bs "$here/rc-noarch.spec"
rb -bb --define "_binary_payload w2.xzdio" "$here/rc-legacy.spec"
for c in gzip:w9.gzdio xz:w2.xzdio zstd:w19.zstdio bzip2:w9.bzdio; do
	rb -bb --define "comp ${c%%:*}" --define "_binary_payload ${c#*:}" "$here/rc-payload.spec"
done

find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec cp {} "$out/" \;
(cd "$here" && CGO_ENABLED=0 go run ./patchweak.go "$out/rc-legacy-2.0-1.noarch.rpm")
ls -l "$out"/*.rpm
