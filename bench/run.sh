#!/usr/bin/env bash
# make bench: repoclosure against dnf on the same data in the same run, cold
# (fresh caches every time). Wall time and peak RSS come from /usr/bin/time;
# each pair runs back to back and the figures are reported as ratios, since
# the machine is shared and absolute times are noise.
#
#   bench/run.sh            all benchmarks
#   RUNS=5 bench/run.sh     more repetitions (median is reported)
#   KERNELS=60 SYMBOLS=20000 KMODS=120 OTHERS=3000 (defaults): the generated series
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin/repoclosure
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v dnf >/dev/null || { echo "bench needs dnf (apt-get install dnf dnf-plugins-core)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench needs /usr/bin/time (apt-get install time)"; exit 1; }

shared=${SHARED:-$PWD/../shared/data}
cs9=(--repofrompath=baseos,$shared/cs9/baseos --repofrompath=appstream,$shared/cs9/appstream --repo baseos --repo appstream)

# measure NAME CMD...: runs CMD with a fresh cache, prints "wall_s rss_kb".
measure() {
	local out=$work/time.$$
	rm -rf "$work/cache" "$work/root"
	# bash -c so that the exported shell functions below can be measured;
	# ru_maxrss then covers the whole process tree.
	/usr/bin/time -f "%e %M" -o "$out" bash -c '"$@"' _ "$@" >/dev/null 2>&1 || true
	tail -n 1 "$out" # time prefixes a "Command exited with non-zero status" line
}

# dnf's own configuration, as internal/testenv gives the tests: nothing from
# the host's /etc/dnf (skip_if_unavailable=True there would time an empty repo).
printf '[main]\nbest=False\nskip_if_unavailable=False\nreposdir=\n' >"$work/dnf.conf"
dnf_closure() {
	dnf -q --config="$work/dnf.conf" --installroot="$work/root" --setopt=reposdir= --setopt=cachedir="$work/cache" \
		--releasever=9 --forcearch=x86_64 --disableplugin='*' --enableplugin=repoclosure repoclosure "$@"
}

# ours SUBCOMMAND ARGS...
ours() { "$bin" "$1" -q --setopt=reposdir=/nonexistent --cachedir "$work/cache" --forcearch x86_64 "${@:2}"; }
export -f dnf_closure ours
export bin work

# median of the first column and of the second column over $runs pairs.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# compare LABEL -- OURS... -- DNF...: alternate the two commands $runs times.
compare() {
	local label=$1; shift; shift
	local ours_cmd=() dnf_cmd=()
	while [ "$1" != "--" ]; do ours_cmd+=("$1"); shift; done; shift
	dnf_cmd=("$@")
	local ow=() orss=() dw=() drss=()
	for _ in $(seq "${pair_runs:-$runs}"); do
		read -r w m < <(measure "${ours_cmd[@]}"); ow+=("$w"); orss+=("$m")
		read -r w m < <(measure "${dnf_cmd[@]}"); dw+=("$w"); drss+=("$m")
	done
	local o_w o_m d_w d_m
	o_w=$(printf '%s\n' "${ow[@]}" | median); o_m=$(printf '%s\n' "${orss[@]}" | median)
	d_w=$(printf '%s\n' "${dw[@]}" | median); d_m=$(printf '%s\n' "${drss[@]}" | median)
	awk -v l="$label" -v ow="$o_w" -v om="$o_m" -v dw="$d_w" -v dm="$d_m" 'BEGIN {
		printf "%-52s ours %6.2fs %7.1f MB | dnf %6.2fs %7.1f MB | time %.3f x  rss %.3f x\n", l, ow, om/1024, dw, dm/1024, ow/dw, om/dm }'
}

echo "repoclosure vs dnf repoclosure, cold, median of $runs (ratio = ours / dnf)"
compare "load CS9 BaseOS+AppStream (dump) vs dnf closure" -- ours dump --count "${cs9[@]}" -- dnf_closure "${cs9[@]}"
compare "closure CS9 AppStream --check appstream" -- ours closure "${cs9[@]}" --check appstream -- dnf_closure "${cs9[@]}" --check appstream

# The EL8-scale kernel series: the whole matrix against one dnf run per kernel build.
series=$work/series
go run ./cmd/repogen kernel-series -o "$series" --kernels "${KERNELS:-60}" --symbols "${SYMBOLS:-20000}" \
	--kmods "${KMODS:-120}" --others "${OTHERS:-3000}" --seed 1 --compress xz --minor-every "${MINOR_EVERY:-15}" >/dev/null
kern=(--repofrompath=kernels,$series/kernels --repofrompath=kmods,$series/kmods --repo kernels --repo kmods)
# dnf_per_kernel: one dnf repoclosure per build with the other builds excluded.
unames=$("$bin" matrix -q --setopt=reposdir=/nonexistent --cachedir "$work/c2" "${kern[@]}" --format json |
	python3 -c 'import json,sys; print("\n".join(k["uname"]+" "+" ".join(k["packages"]) for k in json.load(sys.stdin)["kernels"]))')
dnf_per_kernel() {
	local excl kern=(--repofrompath=kernels,$series/kernels --repofrompath=kmods,$series/kmods --repo kernels --repo kmods)
	while read -r uname pkgs; do
		excl=$(printf '%s\n' "$unames" | grep -v "^$uname " | cut -d' ' -f2- | tr ' ' ',')
		rm -rf "$work/cache" "$work/root"
		dnf_closure "${kern[@]}" --check kmods -x "$excl" >/dev/null 2>&1 || true
	done <<<"$unames"
}
export -f dnf_per_kernel
export unames series
# One dnf run per kernel build is minutes at EL8 scale: LOOP_RUNS (default 1) pairs.
pair_runs=${LOOP_RUNS:-1} compare "matrix $(wc -l <<<"$unames") kernels (ours) vs per-kernel dnf loop" -- ours matrix "${kern[@]}" --format json -- dnf_per_kernel
compare "matrix vs one closure pass (both ours)" -- ours matrix "${kern[@]}" --format json -- ours closure "${kern[@]}"
