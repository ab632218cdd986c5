#!/usr/bin/env bash
# experiments/bench/run.sh - the `make bench` driver: runs the suite of
# experiments/bench/suite.txt under hakmem and the peer allocators and
# prints one table, the geometric means of the speed and RSS ratios, then
# the project's performance targets.
#
# usage: experiments/bench/run.sh [--rounds N] [--quick] [--allocators LIST]
#                                 [--shapes LIST]
#
# Timed runs alternate allocators run by run, in an order shuffled afresh
# for each shape and round (order.bash; the same every time the script
# runs), so that machine noise spreads over all of them and no allocator
# always follows the same one; the table gives the median.  Every round
# runs fresh copies of the libraries and benchmark programs: how a file came
# into the page cache (written by the linker a moment ago, or read from
# disk) moved the same library's speed by 20% on a malloc-bound shape
# here, and a copy per round gives every allocator the same treatment and
# a new placement each time.
# A shape marked `pin` in the suite runs one thread: its timed runs, every
# allocator's, are kept to one CPU, the highest-numbered this script may
# use (taskset), since a single-threaded run the scheduler moves between
# CPUs is slower by however much it moved (experiments/common/pin.h).
# Each timed run goes through
# `/usr/bin/time`, which gives peak RSS and page faults without disturbing
# the timing.  System calls come from one more run per allocator under
# `strace -f -c` with a seccomp filter on the memory calls, which traces the
# whole process from exec, dynamic loader included.  The targets are
# informational: the exit status is 0 unless a run fails (1: a nonzero exit,
# as on a failed self-check, or no RESULT line) or the usage is wrong (2).
# HAKMEM_LIB names the library measured as "hakmem" (default
# build/libhakmem.so); HAKMEM_BASE_LIB, another build of it measured
# beside it as "base" (not a peer: the cost or gain of a change, as the
# median over rounds of hakmem's speed over the base's in the same round);
# HAKMEM_BENCH_QUICK=1 is --quick; HAKMEM_BENCH_SUITE
# names another suite file (tests use it).  Uses bash, awk, coreutils,
# /usr/bin/time (GNU), strace and taskset only.
set -euo pipefail
unset LD_PRELOAD	# it must reach the benchmarks only, never this script or strace

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SUITE=$(realpath -m -- "${HAKMEM_BENCH_SUITE:-$root/experiments/bench/suite.txt}")
readonly SUITE
readonly MEMORY_SYSCALLS=(mmap munmap madvise mprotect mremap brk mincore)
readonly ALL_ALLOCATORS=(hakmem base glibc mimalloc jemalloc tcmalloc)

usage() {
	cat <<-EOF
	usage: experiments/bench/run.sh [--rounds N] [--quick] [--allocators LIST] [--shapes LIST]
	  --rounds N         timed runs per allocator and shape, alternating (default 3)
	  --quick            the suite's quick commands: small sizes, for tests
	  --allocators LIST  comma-separated subset of: ${ALL_ALLOCATORS[*]}
	  --shapes LIST      comma-separated subset of the shapes of the suite file
	environment: HAKMEM_LIB            library measured as hakmem (default build/libhakmem.so)
	             HAKMEM_BASE_LIB       another hakmem build, measured beside it as "base"
	             HAKMEM_BENCH_QUICK=1  same as --quick
	             HAKMEM_BENCH_SUITE    the suite file (default experiments/bench/suite.txt)
	EOF
}

die() {
	echo "run.sh: $*" >&2
	exit 1
}

usage_error() {
	echo "run.sh: $*" >&2
	usage >&2
	exit 2
}

# --- options and inputs -------------------------------------------------------

rounds=3
quick=false
[[ ${HAKMEM_BENCH_QUICK:-0} == 1 ]] && quick=true
wanted_allocators=
wanted_shapes=
while (($# > 0)); do
	case $1 in
	--rounds)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--rounds needs a positive integer"
		rounds=$2
		shift 2
		;;
	--allocators | --shapes)
		[[ $# -ge 2 && -n $2 ]] || usage_error "$1 needs a list"
		if [[ $1 == --allocators ]]; then wanted_allocators=${2//,/ }; else wanted_shapes=${2//,/ }; fi
		shift 2
		;;
	--quick) quick=true; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done

cd "$root"
source experiments/bench/order.bash
source experiments/bench/allocators.bash
# Allocators in table order; an empty library means the C library's own.
declare -A lib_of=()
allocator_libraries "$root"
[[ -f ${lib_of[hakmem]} ]] || die "hakmem library ${lib_of[hakmem]} is missing (run make, or set HAKMEM_LIB)"
[[ ! -v lib_of[base] || -f ${lib_of[base]} ]] || die "HAKMEM_BASE_LIB: ${lib_of[base]} is missing"
command -v strace >/dev/null || die "strace is not installed"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
[[ -f $SUITE ]] || die "the suite file $SUITE is missing"
seccomp=(--seccomp-bpf)
strace -f "${seccomp[@]}" -e trace=brk -o /dev/null true 2>/dev/null || seccomp=()

for a in $wanted_allocators; do
	[[ -v lib_of[$a] || $a == base ]] || usage_error "unknown allocator '$a' (known: ${ALL_ALLOCATORS[*]})"
	[[ $a != base || -v lib_of[base] ]] || usage_error "the allocator 'base' needs HAKMEM_BASE_LIB"
done
allocators=()
for a in "${ALL_ALLOCATORS[@]}"; do
	[[ -v lib_of[$a] ]] || continue
	[[ -z $wanted_allocators || " $wanted_allocators " == *" $a "* ]] || continue
	[[ -z ${lib_of[$a]} || -f ${lib_of[$a]} ]] && allocators+=("$a")
done
[[ " ${allocators[*]} " == *" hakmem "* ]] || usage_error "the allocators must include hakmem"

# The suite: shapes in file order, each with its metric, role and command;
# commands (ids 0, 1, ...) are run once for all the shapes that share them.
shapes=() commands=() absent=() pinned=()
declare -A metric_of=() role_of=() cid_of=()
while read -r line; do
	line=${line%%#*}
	[[ $line =~ [^[:space:]] ]] || continue
	read -r shape metric role rest <<<"$line"
	pin=0
	[[ $rest =~ ^pin[[:space:]] ]] && pin=1 rest=${rest#pin}
	cmd=${rest%%|*}
	[[ $rest == *'|'* ]] && $quick && cmd=${rest#*|}
	read -r -a words <<<"$cmd"
	[[ -n $shape && -n $metric && ($role == score || $role == info) && ${#words[@]} -gt 0 ]] ||
		die "$SUITE: cannot read the line '$line' (SHAPE METRIC score|info [pin] COMMAND [| QUICK-COMMAND])"
	[[ -v metric_of[$shape] ]] && die "$SUITE: shape '$shape' appears twice"
	[[ -z $wanted_shapes || " $wanted_shapes " == *" $shape "* ]] || continue
	program=${words[0]}
	if [[ ! -f experiments/bench/$program.c ]]; then
		absent+=("$shape")
		continue
	fi
	[[ -x build/bench/$program ]] || die "build/bench/$program is missing (run make)"
	cmd="build/bench/${words[*]}"
	cid=
	for i in "${!commands[@]}"; do [[ ${commands[i]} == "$cmd" ]] && cid=$i; done
	if [[ -z $cid ]]; then
		cid=${#commands[@]}
		commands+=("$cmd")
		pinned+=("$pin")
	fi
	((pinned[cid] == pin)) || die "$SUITE: the shapes that run '$cmd' disagree on pin"
	shapes+=("$shape")
	metric_of[$shape]=$metric role_of[$shape]=$role cid_of[$shape]=$cid
done <"$SUITE"
for shape in $wanted_shapes; do
	[[ -v metric_of[$shape] ]] || usage_error "unknown shape '$shape' (see $SUITE)"
done
((${#shapes[@]} > 0)) || die "no shape to run"

# The CPU pinned shapes run on: the last of those this script may use.
pin_cpu=$(pinned_cpu)
[[ -n $pin_cpu ]] || die "cannot read the CPUs allowed from /proc/self/status"
command -v taskset >/dev/null || die "taskset is missing (Debian package 'util-linux')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- running ------------------------------------------------------------------

# Records for table.awk, one a line, in $work/records: allocators, shapes,
# timed runs, failures and syscall counts (the format is table.awk's).  The
# first failure of each command and allocator is also kept in `failure`,
# keyed "command id,allocator", which stops further runs of the pair.
declare -A failure=()
records=$work/records
for a in "${allocators[@]}"; do echo "A $a"; done >"$records"
for shape in "${shapes[@]}"; do
	echo "S $shape ${metric_of[$shape]} ${role_of[$shape]} ${cid_of[$shape]}"
done >>"$records"

# record_failure CID ALLOCATOR STATUS WHAT: notes that a run failed and
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
	echo "F $1 $2" >>"$records"
	echo "run.sh: $2 on '${commands[$1]}': ${failure[$1,$2]}" >&2
	if [[ -s $work/stderr ]]; then sed 's/^/    /' "$work/stderr" >&2; fi
}

# fresh_copies: this round's copies of every library and benchmark program,
# in $work/round: ALLOCATOR/LIBRARY-NAME and bin/PROGRAM.
fresh_copies() {
	local a cid program
	rm -rf "$work/round"
	mkdir -p "$work/round/bin"
	for a in "${allocators[@]}"; do
		[[ -n ${lib_of[$a]} ]] || continue
		mkdir "$work/round/$a"
		cp "${lib_of[$a]}" "$work/round/$a/"
	done
	for cid in "${!commands[@]}"; do
		read -r program _ <<<"${commands[cid]}"
		cp "$program" "$work/round/bin/"
	done
}

# timed_run CID ALLOCATOR: one run under /usr/bin/time, of this round's
# copies.
timed_run() {
	local -a cmd preload=() pin=()
	read -r -a cmd <<<"${commands[$1]}"
	cmd[0]=$work/round/bin/${cmd[0]##*/}
	[[ -n ${lib_of[$2]} ]] && preload=("LD_PRELOAD=$work/round/$2/${lib_of[$2]##*/}")
	((pinned[$1])) && pin=(taskset -c "$pin_cpu")
	local status=0 line kb minor major
	# The braces keep bash's own "Aborted"-style notice out of the output;
	# record_failure reports the signal.
	{ "${pin[@]}" /usr/bin/time -f '%M %R %F' -o "$work/time" env "${preload[@]}" "${cmd[@]}" \
		>"$work/stdout" 2>"$work/stderr"; } 2>/dev/null || status=$?
	line=$(grep -m1 '^RESULT ' "$work/stdout" || true)
	if ((status == 0)) && [[ -n $line ]] && read -r kb minor major <"$work/time"; then
		echo "R $1 $2 $kb $((minor + major)) $line" >>"$records"
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

# traced_run CID ALLOCATOR: one run under strace.
traced_run() {
	local -a cmd preload=()
	read -r -a cmd <<<"${commands[$1]}"
	[[ -n ${lib_of[$2]} ]] && preload=(-E "LD_PRELOAD=${lib_of[$2]}")
	local summary="$work/strace" status=0 names
	names=$(IFS=,; echo "${MEMORY_SYSCALLS[*]}")
	{ strace -f -c "${seccomp[@]}" -e trace="$names" -o "$summary" "${preload[@]}" "${cmd[@]}" \
		>"$work/stdout" 2>"$work/stderr"; } 2>/dev/null || status=$?
	if ((status == 0)) && grep -q '^RESULT ' "$work/stdout"; then
		echo "C $1 $2 $(count_syscalls "$summary")" >>"$records"
	else
		record_failure "$1" "$2" "$status" "strace run"
	fi
}

# run_all: the timed runs, round by round, each command on every allocator
# in a shuffled order; then the traced runs.
run_all() {
	local n=${#allocators[@]} round cid i a
	for ((round = 0; round < rounds; round++)); do
		fresh_copies
		for cid in "${!commands[@]}"; do
			echo "run.sh: round $((round + 1))/$rounds: ${commands[cid]}" >&2
			for i in $(shuffled $((round * 1000 + cid + 1)) "$n"); do
				a=${allocators[i]}
				[[ -z ${failure[$cid,$a]:-} ]] && timed_run "$cid" "$a"
			done
		done
	done
	for cid in "${!commands[@]}"; do
		echo "run.sh: strace runs: ${commands[cid]}" >&2
		for a in "${allocators[@]}"; do
			[[ -z ${failure[$cid,$a]:-} ]] && traced_run "$cid" "$a"
		done
	done
	return 0
}

# --- reporting ----------------------------------------------------------------

print_header() {
	local a shape cpu
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "hakmem benchmark table - $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: ${cpu:-unknown CPU}, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
	     "$rounds timed runs per allocator and shape$($quick && echo ' (--quick)')"
	echo
	echo "allocators:"
	for a in "${allocators[@]}"; do
		if [[ -z ${lib_of[$a]} ]]; then
			printf '  %-9s no preload\n' "$a"
		else
			printf '  %-9s LD_PRELOAD=%s\n' "$a" "${lib_of[$a]}"
		fi
	done
	for a in "${ALL_ALLOCATORS[@]}"; do
		[[ -v lib_of[$a] && -n ${lib_of[$a]} && ! -f ${lib_of[$a]} ]] && printf '  %-9s missing (%s)\n' "$a" "${lib_of[$a]}"
	done
	echo "shapes (COMMAND; metric, role; pinned: its timed runs kept to CPU $pin_cpu):"
	for shape in "${shapes[@]}"; do
		printf '  %-16s %s; %s, %s%s\n' "$shape" "${commands[${cid_of[$shape]}]}" "${metric_of[$shape]}" \
			"${role_of[$shape]}" "$( ((pinned[${cid_of[$shape]}])) && echo ", pinned")"
	done
	for shape in "${absent[@]}"; do
		printf '  %-16s (no source in experiments/bench/: left out)\n' "$shape"
	done
	echo "timed run:   [taskset -c $pin_cpu] /usr/bin/time -f '%M %R %F' env [LD_PRELOAD=LIB] COMMAND, on copies of LIB and"
	echo "             of the program made afresh each round"
	echo "syscall run: strace -f -c ${seccomp[*]} -e trace=$(IFS=,; echo "${MEMORY_SYSCALLS[*]}") [-E LD_PRELOAD=LIB] COMMAND"
	echo
	echo "median: of the timed runs, the shape's metric in UNIT (M/s: millions per second; s: seconds);"
	echo "  spread: (max - min) / median.  speed/best: this allocator's speed over the best peer's"
	echo "  (speed: rates as they are, times inverted), above 1.00 it is faster than every peer;"
	echo "  hk/this: hakmem's speed over this allocator's (medians).  paired: the median over the rounds"
	echo "  of hakmem's speed over this allocator's in the same round, which a drift of the machine's"
	echo "  speed does not move.  RSS MiB: median peak RSS; rss/best: over the smallest peer's."
	echo "  faults: median minor + major page faults.  Syscall columns: calls in the syscall run,"
	echo "  whole process, dynamic loader included."
	echo
}

# --- main ---------------------------------------------------------------------

run_all
print_header
failed=0
awk -v syscalls="${MEMORY_SYSCALLS[*]}" -f experiments/bench/table.awk "$records" || failed=1
for cid in "${!commands[@]}"; do
	for a in "${allocators[@]}"; do
		[[ -n ${failure[$cid,$a]:-} ]] || continue
		echo "run.sh: FAILED: $a on '${commands[cid]}': ${failure[$cid,$a]}" >&2
		failed=1
	done
done
exit $failed
