#!/usr/bin/env bash
# licenses.sh DIR: copies the license and notice files of every module linked
# into cmd/repoclosure to DIR/MODULE/, and repoclosure's own LICENSE and NOTICE
# to DIR/. Fails when a linked module has no license file.
set -euo pipefail
dir=$1
cd "$(dirname "$0")/.."
mkdir -p "$dir"
cp LICENSE NOTICE "$dir/"
go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Dir}}{{end}}{{end}}' ./cmd/repoclosure | sort -u |
while read -r mod src; do
	mkdir -p "$dir/$mod"
	found=
	for f in "$src"/LICENSE* "$src"/LICENCE* "$src"/COPYING* "$src"/NOTICE* "$src"/PATENTS*; do
		[ -f "$f" ] || continue
		cp "$f" "$dir/$mod/"
		found=1
	done
	[ -n "$found" ] || { echo "licenses.sh: $mod has no license file in $src" >&2; exit 1; }
done
