#!/usr/bin/env bash
# experiments/bench/host_states.sh - one benchmark under hakmem and its
# peers in two states of the machine's free memory, side by side.
#
# usage: experiments/bench/host_states.sh [--reps N] [--allocators LIST]
#                                         [--metric KEY] [--idle S]
#                                         COMMAND [ARGS...]
#
# On a virtual machine whose host takes back the guest's free memory (free
# page reporting, a balloon), what a fault costs depends on what the
# machine did seconds before: a huge page taken from memory the host
# still backs costs one fault, one from memory it took back a host fault
# per 4 KiB page.  Each timed run is made in one of two states:
#   cold  after S seconds idle (--idle, default 4): freed memory has been
#         reported to the host;
#   warm  right after build/bench/huge_touch touched and gave back 1 GiB
#         in huge pages, which the kernel holds free and still backed.
# Runs alternate allocators within each repetition and are pinned to one
# CPU, the highest-numbered this script may use, as run.sh pins the
# single-threaded shapes.  Prints, per state and allocator, the median of
# the RESULT line's KEY (--metric, default ops_per_s) over N repetitions
# (--reps, default 3), the median over hakmem's (/hakmem), and every run.
# Allocators (default hakmem,tcmalloc,mimalloc, and base when set): hakmem
# is HAKMEM_LIB (default build/libhakmem.so), base HAKMEM_BASE_LIB (another
# build, for a change's cost or gain), glibc no preload, the others their
# Debian libraries.  Exit status 1 when a run fails or prints no KEY, 2 on
# a usage error.
set -euo pipefail
unset LD_PRELOAD

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/experiments/bench/allocators.bash"

usage() {
	cat <<-EOF
	usage: experiments/bench/host_states.sh [--reps N] [--allocators LIST] [--metric KEY] [--idle S] COMMAND [ARGS...]
	  --reps N           runs per allocator and state, alternating (default 3)
	  --allocators LIST  comma-separated subset of: hakmem base glibc mimalloc jemalloc tcmalloc
	  --metric KEY       the key of the RESULT line to report (default ops_per_s)
	  --idle S           seconds idle before a cold run (default 4)
	environment: HAKMEM_LIB, HAKMEM_BASE_LIB (as for run.sh)
	EOF
}

die() {
	echo "host_states.sh: $*" >&2
	exit 1
}

usage_error() {
	echo "host_states.sh: $*" >&2
	usage >&2
	exit 2
}

reps=3 metric=ops_per_s idle=4 wanted=
while (($# > 0)); do
	case $1 in
	--reps)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--reps needs a positive integer"
		reps=$2; shift 2 ;;
	--idle)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage_error "--idle needs whole seconds"
		idle=$2; shift 2 ;;
	--metric)
		[[ $# -ge 2 && $2 =~ ^[a-z_]+$ ]] || usage_error "--metric needs a RESULT key"
		metric=$2; shift 2 ;;
	--allocators)
		[[ $# -ge 2 && -n $2 ]] || usage_error "--allocators needs a list"
		wanted=${2//,/ }; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done
(($# > 0)) || usage_error "no benchmark command"

declare -A lib_of=()
allocator_libraries "$root"
if [[ -z $wanted ]]; then
	wanted="hakmem ${lib_of[base]:+base }tcmalloc mimalloc"
fi
allocators=()
for a in $wanted; do
	[[ -v lib_of[$a] ]] || usage_error "unknown allocator '$a' (base needs HAKMEM_BASE_LIB)"
	[[ -z ${lib_of[$a]} || -f ${lib_of[$a]} ]] || die "$a: ${lib_of[$a]} is missing"
	allocators+=("$a")
done
[[ " ${allocators[*]} " == *" hakmem "* ]] || usage_error "the allocators must include hakmem"
toucher=$root/build/bench/huge_touch
[[ -x $toucher ]] || die "$toucher is missing (run make)"
pin_cpu=$(pinned_cpu)
[[ -n $pin_cpu ]] || die "cannot read the CPUs allowed from /proc/self/status"
command -v taskset >/dev/null || die "taskset is missing (Debian package 'util-linux')"

# run STATE ALLOCATOR: one timed run in STATE; prints the metric's value.
run() {
	local out value
	if [[ $1 == cold ]]; then sleep "$idle"; else "$toucher" >/dev/null; fi
	out=$(env ${lib_of[$2]:+LD_PRELOAD=${lib_of[$2]}} taskset -c "$pin_cpu" "${@:3}") ||
		die "$2 ($1): '${*:3}' failed"
	value=$(grep -o "^RESULT .*" <<<"$out" | grep -o " $metric=[0-9.e+-]*" | cut -d= -f2)
	[[ -n $value ]] || die "$2 ($1): no $metric in the RESULT line of '${*:3}'"
	echo "$value"
}

# median VALUES...
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "host states: $* ($metric, median of $reps runs each, pinned to CPU $pin_cpu)"
for state in cold warm; do
	declare -A runs=()
	for ((r = 0; r < reps; r++)); do
		for a in "${allocators[@]}"; do
			runs[$a]+="$(run "$state" "$a" "$@") "
		done
	done
	# shellcheck disable=SC2086
	hk=$(median ${runs[hakmem]})
	for a in "${allocators[@]}"; do
		# shellcheck disable=SC2086
		m=$(median ${runs[$a]})
		awk -v s="$state" -v a="$a" -v m="$m" -v h="$hk" -v r="${runs[$a]}" \
			'BEGIN { printf "%-5s %-9s median %12.6g  /hakmem %5.2f  runs: %s\n", s, a, m, m / h, r }'
	done
	unset runs
done
