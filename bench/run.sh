#!/usr/bin/env bash
# make bench: repoclosure against dnf on the same data in the same run. Wall
# time, CPU time and peak RSS come from /usr/bin/time; each pair runs back to
# back and the figures are reported as ratios, since the machine is shared and
# absolute times are noise. Every target of issue 12 is printed with its ratio
# and whether it is met, then the scaling table (ours only).
#
#   bench/run.sh            all benchmarks
#   RUNS=5 bench/run.sh     more repetitions (the median is reported)
#   KERNELS=60 SYMBOLS=20000 KMODS=120 OTHERS=3000 (defaults): the generated series
#   SCALE="10 30 60 120 240" (default): the kernel counts of the scaling table
#   LOOP=1: also the matrix against one dnf run per kernel build (minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin/repoclosure
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v dnf >/dev/null || { echo "bench needs dnf (apt-get install dnf dnf-plugins-core)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench needs /usr/bin/time (apt-get install time)"; exit 1; }

# The shared data sits beside the checkout (../shared), or beside a worktree's parent.
shared=${SHARED:-$PWD/../shared/data}
[ -d "$shared" ] || shared=$PWD/../../shared/data
cs9=(--repofrompath=baseos,$shared/cs9/baseos --repofrompath=appstream,$shared/cs9/appstream --repo baseos --repo appstream)

# measure cold|warm CMD...: runs CMD and prints "wall_s cpu_s rss_kb". cold
# starts from empty caches; warm first runs CMD once untimed to fill them.
measure() {
	local mode=$1 out=$work/time.$$
	shift
	rm -rf "$work/cache" "$work/root"
	if [ "$mode" = warm ]; then bash -c '"$@"' _ "$@" >/dev/null 2>&1 || true; fi
	# bash -c so that the exported shell functions below can be measured;
	# ru_maxrss then covers the whole process tree.
	/usr/bin/time -f "%e %U %S %M" -o "$out" bash -c '"$@"' _ "$@" >/dev/null 2>&1 || true
	tail -n 1 "$out" | awk '{print $1, $2 + $3, $4}' # time prefixes a "Command exited with non-zero status" line
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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# compare MODE LABEL -- A... -- B...: alternates A and B $runs times (MODE
# cold or warm) and sets A_W A_C A_M B_W B_C B_M (medians: wall s, CPU s, RSS KB).
compare() {
	local mode=$1 label=$2
	shift 3
	local a_cmd=() b_cmd=()
	while [ "$1" != "--" ]; do a_cmd+=("$1"); shift; done
	shift
	b_cmd=("$@")
	local aw=() ac=() am=() bw=() bc=() bm=()
	for _ in $(seq "${pair_runs:-$runs}"); do
		read -r w c m < <(measure "$mode" "${a_cmd[@]}"); aw+=("$w"); ac+=("$c"); am+=("$m")
		read -r w c m < <(measure "$mode" "${b_cmd[@]}"); bw+=("$w"); bc+=("$c"); bm+=("$m")
	done
	A_W=$(printf '%s\n' "${aw[@]}" | median); A_C=$(printf '%s\n' "${ac[@]}" | median); A_M=$(printf '%s\n' "${am[@]}" | median)
	B_W=$(printf '%s\n' "${bw[@]}" | median); B_C=$(printf '%s\n' "${bc[@]}" | median); B_M=$(printf '%s\n' "${bm[@]}" | median)
	awk -v l="$label" -v aw="$A_W" -v ac="$A_C" -v am="$A_M" -v bw="$B_W" -v bc="$B_C" -v bm="$B_M" 'BEGIN {
		printf "%-58s %6.2fs (CPU %5.2fs) %6.1f MB | %6.2fs (CPU %5.2fs) %6.1f MB\n", l, aw, ac, am/1024, bw, bc, bm/1024 }'
}

# target TEXT VALUE LIMIT: one line of the targets summary.
targets=()
target() {
	targets+=("$(awk -v t="$1" -v v="$2" -v lim="$3" 'BEGIN {
		printf "%-64s %6.3f x (target <= %.2f) %s", t, v, lim, (v <= lim ? "met" : "NOT met") }')")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }

series() { # series DIR KERNELS KMODS: generates the EL8-scale series once
	[ -d "$1" ] || go run ./cmd/repogen kernel-series -o "$1" --kernels "$2" --symbols "${SYMBOLS:-20000}" \
		--kmods "$3" --others "${OTHERS:-3000}" --seed 1 --compress xz --minor-every "${MINOR_EVERY:-15}" >/dev/null
}
kernrepos() { echo "--repofrompath=kernels,$1/kernels --repofrompath=kmods,$1/kmods --repo kernels --repo kmods"; }

echo "repoclosure (first figures) vs dnf repoclosure (second), median of $runs: wall time, CPU time, peak RSS"
compare cold "CS9 BaseOS+AppStream closure, cold (ours | dnf)" -- ours closure "${cs9[@]}" -- dnf_closure "${cs9[@]}"
target "CS9 closure, cold: wall vs dnf" "$(ratio "$A_W" "$B_W")" 0.12
target "CS9 closure, cold: RSS vs dnf" "$(ratio "$A_M" "$B_M")" 0.33
compare warm "CS9 BaseOS+AppStream closure, warm (ours | dnf)" -- ours closure "${cs9[@]}" -- dnf_closure "${cs9[@]}"
target "CS9 closure, warm: wall vs dnf's warm run" "$(ratio "$A_W" "$B_W")" 0.25
compare cold "CS9 AppStream --check appstream, cold (ours | dnf)" -- ours closure "${cs9[@]}" --check appstream -- dnf_closure "${cs9[@]}" --check appstream

nk=${KERNELS:-60}
s60=$work/s$nk-${KMODS:-120}
series "$s60" "$nk" "${KMODS:-120}"
read -ra kern <<<"$(kernrepos "$s60")"
compare cold "series $nk kernels closure, cold (ours | dnf)" -- ours closure "${kern[@]}" -- dnf_closure "${kern[@]}"
target "series closure, cold: wall vs dnf" "$(ratio "$A_W" "$B_W")" 0.25
dnf_rss=$B_M
compare warm "series $nk kernels closure, warm (ours | dnf)" -- ours closure "${kern[@]}" -- dnf_closure "${kern[@]}"
target "series closure, warm: wall vs dnf's warm run" "$(ratio "$A_W" "$B_W")" 0.25
# Ours against ours compares CPU time: both are one process doing the same
# loading, and wall time on a shared machine is mostly the neighbours' noise.
for format in json table csv; do
	compare cold "series matrix --format $format | our closure" -- ours matrix "${kern[@]}" --format "$format" -- ours closure "${kern[@]}"
	target "series matrix --format $format: CPU vs our closure" "$(ratio "$A_C" "$B_C")" 1.2
	target "series matrix --format $format: RSS vs dnf's closure" "$(ratio "$A_M" "$dnf_rss")" 1.0
done
s1000=$work/s$nk-1000
series "$s1000" "$nk" 1000
read -ra kern1000 <<<"$(kernrepos "$s1000")"
compare cold "series with 1,000 kmods: matrix json | our closure" -- ours matrix "${kern1000[@]}" --format json -- ours closure "${kern1000[@]}"
target "series, 1,000 kmods: matrix CPU vs our closure" "$(ratio "$A_C" "$B_C")" 1.3

if [ -n "${LOOP:-}" ]; then
	# The matrix against one dnf repoclosure per build with the other builds excluded.
	unames=$("$bin" matrix -q --setopt=reposdir=/nonexistent --cachedir "$work/c2" "${kern[@]}" --format json |
		python3 -c 'import json,sys; print("\n".join(k["uname"]+" "+" ".join(k["packages"]) for k in json.load(sys.stdin)["kernels"]))')
	dnf_per_kernel() {
		local excl
		while read -r uname pkgs; do
			excl=$(printf '%s\n' "$unames" | grep -v "^$uname " | cut -d' ' -f2- | tr ' ' ',')
			rm -rf "$work/cache" "$work/root"
			dnf_closure "${kern[@]}" --check kmods -x "$excl" >/dev/null 2>&1 || true
		done <<<"$unames"
	}
	export -f dnf_per_kernel
	export unames
	export kern_s="${kern[*]}"
	pair_runs=1 compare cold "matrix $nk kernels | per-kernel dnf loop" -- ours matrix "${kern[@]}" --format json -- \
		bash -c 'kern=($kern_s); dnf_per_kernel'
fi

echo
echo "Targets (ratios of the medians above)"
printf '%s\n' "${targets[@]}"

# Scaling: CPU and RSS per MB of decompressed metadata (primary + filelists,
# from repomd.xml's open-size), cold, one run each.
echo
echo "Scaling (ours, cold): CPU s and peak RSS per MB of decompressed metadata"
printf '%-8s %-6s %9s | %8s %8s %9s %9s | %8s %8s %9s %9s\n' kernels kmods "meta MB" "closure" "RSS MB" "CPU/MB" "RSS/MB" "matrix" "RSS MB" "CPU/MB" "RSS/MB"
openmb() { python3 - "$@" <<'EOF'
import re, sys
total = 0
for d in sys.argv[1:]:
    for repo in ("kernels", "kmods"):
        text = open(f"{d}/{repo}/repodata/repomd.xml").read()
        total += sum(int(x) for x in re.findall(r"<open-size>(\d+)</open-size>", text))
print(total / 1e6)
EOF
}
row() { # row DIR KERNELS KMODS
	local mb cw cc cm mw mc mm
	read -ra k <<<"$(kernrepos "$1")"
	mb=$(openmb "$1")
	read -r cw cc cm < <(measure cold ours closure "${k[@]}")
	read -r mw mc mm < <(measure cold ours matrix "${k[@]}" --format json)
	awk -v n="$2" -v km="$3" -v mb="$mb" -v cc="$cc" -v cm="$cm" -v mc="$mc" -v mm="$mm" 'BEGIN {
		printf "%-8s %-6s %9.1f | %7.2fs %8.1f %9.4f %9.3f | %7.2fs %8.1f %9.4f %9.3f\n", n, km, mb,
			cc, cm/1024, cc/mb, cm/1024/mb, mc, mm/1024, mc/mb, mm/1024/mb }'
}
for n in ${SCALE:-10 30 60 120 240}; do
	d=$work/s$n-120
	series "$d" "$n" 120
	row "$d" "$n" 120
	[ "$d" = "$s60" ] || rm -rf "$d"
done
row "$s1000" "$nk" 1000
