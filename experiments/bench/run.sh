#!/usr/bin/env bash
# experiments/bench/run.sh - the `make bench` driver: runs the benchmark
# programs under hakmem and the peer allocators and prints one side-by-side
# table per benchmark, then the project's performance targets.
#
# usage: experiments/bench/run.sh [--runs N] [--quick]
#
# Throughput runs alternate allocators run by run (round-robin, the starting
# allocator rotating) so that machine noise spreads over all of them; the
# tables give the median with min and max.  Syscall counts come from one
# extra run per allocator under `strace -f -c`, which traces the whole
# process from exec, dynamic loader included.  The targets are informational:
# the exit status is 0 unless a benchmark run fails (1) or the usage is
# wrong (2).  HAKMEM_LIB names the library measured as "hakmem" (default
# build/libhakmem.so).  Uses bash, awk, sort, coreutils and strace only.
set -euo pipefail
unset LD_PRELOAD	# it must reach the benchmarks only, never this script or strace

readonly PEER_DIR=/usr/lib/x86_64-linux-gnu
readonly MEMORY_SYSCALLS=(mmap munmap madvise mincore mprotect brk)

usage() {
	cat <<-EOF
	usage: experiments/bench/run.sh [--runs N] [--quick]
	  --runs N   timed runs per allocator and benchmark (default 5, --quick 3)
	  --quick    3 runs and shorter random_mixed and larson runs
	environment: HAKMEM_LIB  library measured as hakmem (default build/libhakmem.so)
	EOF
}

die() {
	echo "run.sh: $*" >&2
	exit 1
}

# --- options and inputs -------------------------------------------------------

runs=
quick=false
while (($# > 0)); do
	case $1 in
	--runs)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] ||
			{ echo "run.sh: --runs needs a positive integer" >&2; usage >&2; exit 2; }
		runs=$2
		shift 2
		;;
	--quick) quick=true; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
if [[ -z $runs ]]; then
	if $quick; then runs=3; else runs=5; fi
fi

hakmem_lib=${HAKMEM_LIB:-build/libhakmem.so}
[[ -f $hakmem_lib ]] || die "hakmem library $hakmem_lib is missing (run make, or set HAKMEM_LIB)"
hakmem_lib=$(realpath -s -- "$hakmem_lib")
for program in build/bench/random_mixed build/bench/larson; do
	[[ -x $program ]] || die "$program is missing (run make from the repository root)"
done
command -v strace >/dev/null || die "strace is not installed"

# Allocators in table order; an empty library means the C library's own.
declare -A lib_of=(
	[hakmem]=$hakmem_lib
	[glibc]=""
	[mimalloc]=$PEER_DIR/libmimalloc.so.2
	[jemalloc]=$PEER_DIR/libjemalloc.so.2
	[tcmalloc]=$PEER_DIR/libtcmalloc_minimal.so.4
)
[[ -f ${lib_of[tcmalloc]} ]] || lib_of[tcmalloc]=$PEER_DIR/libtcmalloc.so.4
all_allocators=(hakmem glibc mimalloc jemalloc tcmalloc)
allocators=()
for a in "${all_allocators[@]}"; do
	[[ -z ${lib_of[$a]} || -f ${lib_of[$a]} ]] && allocators+=("$a")
done

# Benchmarks: id, command.  rm20m and larson measure speed, rm200k is the
# baseline report's syscall case.
benches=(rm20m larson rm200k)
declare -A command_of=(
	[rm20m]="build/bench/random_mixed 20000000 4096 1234567"
	[larson]="build/bench/larson -t 2"
	[rm200k]="build/bench/random_mixed 200000 4096 1234567"
)
if $quick; then
	command_of[rm20m]="build/bench/random_mixed 2000000 4096 1234567"
	command_of[larson]="build/bench/larson -t 2 -n 300"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- running ------------------------------------------------------------------

# Results, keyed "bench,allocator": space-separated ops/s and maxrss_kb per
# run, the memory-syscall counts, and the first failure if any.
declare -A ops=() rss=() syscalls=() failure=()

# record_failure BENCH ALLOCATOR STATUS WHAT: notes that a run failed and
# shows its stderr.
record_failure() {
	local why
	if (($3 > 128)); then
		why="killed by signal $(($3 - 128))"
	elif (($3 > 0)); then
		why="exit status $3"
	else
		why="no RESULT line"
	fi
	failure[$1,$2]="$4 failed: $why"
	echo "run.sh: $2 on '${command_of[$1]}': ${failure[$1,$2]}" >&2
	if [[ -s $work/stderr ]]; then sed 's/^/    /' "$work/stderr" >&2; fi
}

# result_field FILE KEY: the value of KEY=... on the RESULT line of FILE.
result_field() {
	awk -v key="$2" '
		$1 == "RESULT" { for (i = 2; i <= NF; i++) if (index($i, key "=") == 1) value = substr($i, length(key) + 2) }
		END { if (value == "") exit 1; print value }' "$1"
}

# timed_run BENCH ALLOCATOR: one throughput run, appended to ops and rss.
timed_run() {
	local -a cmd preload=()
	read -r -a cmd <<<"${command_of[$1]}"
	[[ -n ${lib_of[$2]} ]] && preload=("LD_PRELOAD=${lib_of[$2]}")
	local status=0 per_s kb
	# The braces keep bash's own "Aborted"-style notice out of the output;
	# record_failure reports the signal.
	{ env "${preload[@]}" "${cmd[@]}" >"$work/stdout" 2>"$work/stderr"; } 2>/dev/null || status=$?
	if ((status == 0)) && per_s=$(result_field "$work/stdout" ops_per_s) &&
	   kb=$(result_field "$work/stdout" maxrss_kb); then
		ops[$1,$2]+="$per_s "
		rss[$1,$2]+="$kb "
	else
		record_failure "$1" "$2" "$status" "timed run"
	fi
}

# count_syscalls FILE: the calls of each of MEMORY_SYSCALLS in a `strace -c`
# summary, in that order, then their sum.  Rows read "% time, seconds,
# usecs/call, calls, [errors], syscall": calls is field 4, the name the last
# field; a syscall never made has no row.
count_syscalls() {
	awk -v names="${MEMORY_SYSCALLS[*]}" '
		$4 ~ /^[0-9]+$/ { calls[$NF] = $4 }
		END {
			n = split(names, name, " ")
			for (i = 1; i <= n; i++) { printf "%d ", calls[name[i]]; total += calls[name[i]] }
			printf "%d\n", total
		}' "$1"
}

# traced_run BENCH ALLOCATOR: one run under strace, filling syscalls.
traced_run() {
	local -a cmd preload=()
	read -r -a cmd <<<"${command_of[$1]}"
	[[ -n ${lib_of[$2]} ]] && preload=(-E "LD_PRELOAD=${lib_of[$2]}")
	local summary="$work/strace.$1.$2" status=0
	{ strace -f -c -o "$summary" "${preload[@]}" "${cmd[@]}" >"$work/stdout" 2>"$work/stderr"; } 2>/dev/null || status=$?
	if ((status == 0)) && result_field "$work/stdout" ops_per_s >/dev/null; then
		syscalls[$1,$2]=$(count_syscalls "$summary")
	else
		record_failure "$1" "$2" "$status" "strace run"
	fi
}

# run_bench BENCH: the timed runs, round-robin, then the traced runs.
run_bench() {
	local n=${#allocators[@]} run i a
	for ((run = 0; run < runs; run++)); do
		echo "run.sh: ${command_of[$1]}: run $((run + 1))/$runs" >&2
		for ((i = 0; i < n; i++)); do
			a=${allocators[(run + i) % n]}
			[[ -z ${failure[$1,$a]:-} ]] && timed_run "$1" "$a"
		done
	done
	echo "run.sh: ${command_of[$1]}: strace runs" >&2
	for a in "${allocators[@]}"; do
		[[ -z ${failure[$1,$a]:-} ]] && traced_run "$1" "$a"
	done
	return 0
}

# --- reporting ----------------------------------------------------------------

# summarize VALUES: "median min max" of space-separated numbers.
summarize() {
	tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '
		{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}

median() { summarize "$1" | cut -d' ' -f1; }

# ratio A B: A / B to 2 decimals, "-" when either is unknown.
ratio() {
	if [[ -z $1 || -z $2 ]]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; fi
}

# ok_ops BENCH ALLOCATOR: true when it has timed results and no failure.
ok_ops() { [[ -z ${failure[$1,$2]:-} && -n ${ops[$1,$2]:-} ]]; }

# syscall_count BENCH ALLOCATOR NAME: one count from the strace run, NAME
# being one of MEMORY_SYSCALLS or "total"; "-" without a strace run.
syscall_count() {
	[[ -n ${syscalls[$1,$2]:-} ]] || { echo -; return; }
	local -a counts
	read -r -a counts <<<"${syscalls[$1,$2]}"
	local i
	for i in "${!MEMORY_SYSCALLS[@]}"; do
		[[ ${MEMORY_SYSCALLS[i]} == "$3" ]] && { echo "${counts[i]}"; return; }
	done
	echo "${counts[-1]}"
}

# ops_median / rss_median BENCH ALLOCATOR: the median over the timed runs,
# nothing when the allocator has no complete result.
ops_median() { if ok_ops "$1" "$2"; then median "${ops[$1,$2]}"; fi; }
rss_median() { if ok_ops "$1" "$2"; then median "${rss[$1,$2]}"; fi; }

print_header() {
	local a bench cpu
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "hakmem benchmark table - $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: ${cpu:-unknown CPU}, $(nproc) CPUs; $runs timed runs per allocator$($quick && echo ' (--quick)')"
	echo
	echo "allocators:"
	for a in "${all_allocators[@]}"; do
		if [[ -z ${lib_of[$a]} ]]; then
			printf '  %-9s no preload\n' "$a"
		elif [[ -f ${lib_of[$a]} ]]; then
			printf '  %-9s LD_PRELOAD=%s\n' "$a" "${lib_of[$a]}"
		else
			printf '  %-9s missing (%s)\n' "$a" "${lib_of[$a]}"
		fi
	done
	echo "commands (COMMAND):"
	for bench in "${benches[@]}"; do
		echo "  ${command_of[$bench]}"
	done
	echo "timed run:   env [LD_PRELOAD=LIB] COMMAND"
	echo "syscall run: strace -f -c -o FILE [-E LD_PRELOAD=LIB] COMMAND"
	echo
	echo "Mops/s: millions of operations per second, one op = one malloc or one free; median of the"
	echo "  timed runs, min and max alongside.  hk/this = hakmem median / this allocator's median:"
	echo "  above 1.00 hakmem is faster.  RSS: median peak RSS (ru_maxrss) in MiB.  Syscall columns:"
	echo "  calls in the syscall run, whole process including the dynamic loader."
}

print_table() {
	local bench=$1 a hk_median med min max
	local -a counts
	hk_median=$(ops_median "$bench" hakmem)
	echo
	echo "== ${command_of[$bench]}"
	printf '%-9s %8s %7s %8s %8s %7s' allocator Mops/s hk/this min max 'RSS MiB'
	printf ' %8s' "${MEMORY_SYSCALLS[@]}" total
	echo
	for a in "${allocators[@]}"; do
		printf '%-9s' "$a"
		if ok_ops "$bench" "$a"; then
			read -r med min max <<<"$(summarize "${ops[$bench,$a]}")"
			awk -v med="$med" -v min="$min" -v max="$max" -v r="$(ratio "$hk_median" "$med")" \
			    -v rss="$(median "${rss[$bench,$a]}")" \
			    'BEGIN { printf " %8.2f %7s %8.2f %8.2f %7.1f", med / 1e6, r, min / 1e6, max / 1e6, rss / 1024 }'
		else
			printf ' %8s %7s %8s %8s %7s' FAILED - - - -
		fi
		read -r -a counts <<<"${syscalls[$bench,$a]:-"- - - - - - -"}"
		printf ' %8s' "${counts[@]}"
		echo
	done
}

# target BENCH MEASURE VALUE OPERATOR LIMIT: one line of the targets section.
target() {
	local verdict=n/a
	if [[ $3 != - ]]; then
		if awk -v v="$3" -v op="$4" -v t="$5" 'BEGIN { exit !(op == ">=" ? v >= t : op == "<=" ? v <= t : v == t) }'; then
			verdict=PASS
		else
			verdict=MISS
		fi
	fi
	printf '  %-36s %-34s %6s   target %s %-5s %s\n' "${command_of[$1]#build/bench/}" "$2" "$3" "$4" "$5" "$verdict"
}

# fastest_peer BENCH: the peer with the highest median, "-" if none.
fastest_peer() {
	local a best=- best_ops=0 m
	for a in "${allocators[@]}"; do
		if [[ $a == hakmem ]] || ! ok_ops "$1" "$a"; then continue; fi
		m=$(median "${ops[$1,$a]}")
		if awk -v m="$m" -v b="$best_ops" 'BEGIN { exit !(m > b) }'; then
			best=$a best_ops=$m
		fi
	done
	echo "$best"
}

speed_target() {
	local peer
	peer=$(fastest_peer "$1")
	target "$1" "hakmem / fastest peer ($peer) ops/s" \
	       "$(ratio "$(ops_median "$1" hakmem)" "$(ops_median "$1" "$peer")")" ">=" 1.00
}

rss_target() {
	target "$1" "hakmem / mimalloc peak RSS" \
	       "$(ratio "$(rss_median "$1" hakmem)" "$(rss_median "$1" mimalloc)")" "<=" 1.25
}

syscall_targets() {
	target "$1" "hakmem memory syscalls" "$(syscall_count "$1" hakmem total)" "<=" 20
	target "$1" "hakmem mincore calls" "$(syscall_count "$1" hakmem mincore)" "==" 0
}

print_targets() {
	echo
	echo "targets (informational: a MISS does not fail the run)"
	speed_target rm20m
	speed_target larson
	syscall_targets rm200k
	rss_target rm20m
	rss_target larson
}

# --- main ---------------------------------------------------------------------

for bench in "${benches[@]}"; do
	run_bench "$bench"
done

print_header
for bench in "${benches[@]}"; do
	print_table "$bench"
done
print_targets

failed=0
for bench in "${benches[@]}"; do
	for a in "${allocators[@]}"; do
		[[ -n ${failure[$bench,$a]:-} ]] || continue
		echo "run.sh: FAILED: $a on '${command_of[$bench]}': ${failure[$bench,$a]}" >&2
		failed=1
	done
done
exit $failed
