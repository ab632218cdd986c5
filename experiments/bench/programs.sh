#!/bin/bash
# programs.sh - real programs under each allocator, as users run them:
# python3, sort, perl, gawk, jq, sqlite3, gcc and xz on generated inputs,
# each preloaded with hakmem and with every peer found, the allocators
# alternating within each round in a shuffled order (order.bash).
#
# usage: experiments/bench/programs.sh [--rounds N] [--quick]
#                                      [--allocators LIST]
#
# Prints a row per program and allocator: the median wall time of the
# rounds, its speed over the fastest peer's (above 1.00 is faster), the
# median peak RSS and its ratio to the smallest peer's, and the median
# page faults (/usr/bin/time).  A program's output under every allocator
# must equal its output under glibc's malloc; a program that fails or
# differs fails the run (exit status 1).  Programs not installed are
# listed as skipped.  Inputs are generated afresh in a temporary
# directory, the same every time (fixed seeds); --quick makes them small.
#
# Environment: HAKMEM_LIB, the library measured as hakmem (default
# build/libhakmem.so); PEER_DIR, where the peers' libraries are (default
# /usr/lib/x86_64-linux-gnu).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source experiments/bench/order.bash

usage() {
	sed -n 's/^# \{0,1\}//; 7,9p' "${BASH_SOURCE[0]}"
}

rounds=3
quick=false
wanted=""
while (($#)); do
	case $1 in
	--rounds)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "programs.sh: --rounds needs a positive integer" >&2; usage >&2; exit 2; }
		rounds=$2
		shift 2
		;;
	--quick) quick=true; shift ;;
	--allocators)
		[[ $# -ge 2 ]] || { echo "programs.sh: --allocators needs a list" >&2; usage >&2; exit 2; }
		wanted=" ${2//,/ } "
		shift 2
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "programs.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
[[ -x /usr/bin/time ]] || { echo "programs.sh: /usr/bin/time is missing (Debian package 'time')" >&2; exit 1; }

hakmem_lib=$(realpath "${HAKMEM_LIB:-build/libhakmem.so}")
[[ -f $hakmem_lib ]] || { echo "programs.sh: $hakmem_lib is not built (make)" >&2; exit 1; }
peer_dir=${PEER_DIR:-/usr/lib/x86_64-linux-gnu}
names=(hakmem glibc mimalloc jemalloc tcmalloc)
declare -A lib_of=([hakmem]=$hakmem_lib [glibc]="" [mimalloc]=$peer_dir/libmimalloc.so.2
	[jemalloc]=$peer_dir/libjemalloc.so.2 [tcmalloc]=$peer_dir/libtcmalloc_minimal.so.4)
allocators=()
for a in "${names[@]}"; do
	[[ -z $wanted || $wanted == *" $a "* ]] || continue
	[[ -z ${lib_of[$a]} || -f ${lib_of[$a]} ]] && allocators+=("$a")
done
for a in $wanted; do
	[[ -v lib_of[$a] ]] || { echo "programs.sh: unknown allocator '$a' (known: ${names[*]})" >&2; exit 2; }
done
[[ " ${allocators[*]} " == *" hakmem "* ]] || { echo "programs.sh: the allocators must include hakmem" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Inputs: lines of a random key, a word and a number; JSON records with a
# name and a list of tags.
if $quick; then lines=20000 records=3000 scale=20; else lines=400000 records=60000 scale=1; fi
awk -v n="$lines" 'BEGIN { srand(1); for (i = 1; i <= n; i++) print int(rand() * 1e9), "line", i }' >"$work/data.txt"
awk -v n="$records" 'BEGIN {
	srand(2); printf "["
	for (i = 0; i < n; i++) {
		printf "%s{\"id\":%d,\"name\":\"%s\",\"tags\":[", i ? "," : "", i, substr("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1, 1 + int(rand() * 50))
		k = int(rand() * 9)
		for (j = 0; j < k; j++) printf "%s%.6f", j ? "," : "", rand()
		printf "]}"
	}
	print "]"
}' >"$work/data.json"
cp core/alloc.c "$work/prog.c"
cp core/*.h "$work/"

# name, the program it needs, the command (run by bash in $work).
programs=(
	"python3|python3|python3 -c 'd={}
[d.setdefault(i % 5000, []).append(str(i) * 3) for i in range($((1500000 / scale)))]
print(len(sorted(d.items(), key=lambda x: len(x[1]))))'"
	"sort|sort|sort -S 200M data.txt | md5sum"
	"perl|perl|perl -e 'my %h; for (1..$((600000 / scale))) { \$h{\"k\$_\"} = [1..5]; } my @k = sort keys %h; delete \$h{\$_} for @k[0..\$#k/2]; print scalar(keys %h), \"\\n\"'"
	"gawk|gawk|gawk '{ a[\$1] = \$0; b[\$3 % 1000] = b[\$3 % 1000] \$2 } END { n = 0; for (k in a) n++; print n, length(b) }' data.txt"
	"jq|jq|jq -c 'map(select(.id % 3 == 0)) | length' data.json"
	"sqlite3|sqlite3|sqlite3 :memory: 'create table t(a, b); with recursive c(x) as (select 1 union all select x + 1 from c where x < $((300000 / scale))) insert into t select x, hex(zeroblob(20)) || x from c; create index i on t(b); select count(*) from t where b like \"0%\";'"
	"gcc|gcc|gcc -O2 -c prog.c -o prog.o && echo compiled"
	"xz|xz|xz -6 -T1 -c data.txt | wc -c"
)

# run PROGRAM_INDEX ALLOCATOR ROUND: one timed run; its output kept.
run() {
	local name=${1%%|*} cmd=${1#*|*|} a=$2 r=$3
	local -a preload=()
	[[ -n ${lib_of[$a]} ]] && preload=("LD_PRELOAD=${lib_of[$a]}")
	if ! (cd "$work" && /usr/bin/time -f '%e %M %R' -o "$work/time" \
		env "${preload[@]}" bash -c "$cmd" >"$work/out.$name.$a" 2>"$work/err"); then
		echo "programs.sh: $name failed under $a:" >&2
		head -n 5 "$work/err" >&2
		return 1
	fi
	echo "$name $a $r $(tail -n 1 "$work/time")" >>"$work/results"
}

status=0
present=()
for p in "${programs[@]}"; do
	rest=${p#*|}
	if command -v "${rest%%|*}" >/dev/null; then
		present+=("$p")
	else
		echo "skipped: ${p%%|*} (${rest%%|*} is not installed)"
	fi
done
for ((r = 1; r <= rounds; r++)); do
	for k in "${!present[@]}"; do
		p=${present[k]}
		for i in $(shuffled $((r * 1000 + k)) ${#allocators[@]}); do
			a=${allocators[i]}
			echo "programs.sh: round $r/$rounds: ${p%%|*} under $a" >&2
			run "$p" "$a" "$r" || status=1
		done
		name=${p%%|*}
		for a in "${allocators[@]}"; do
			[[ $a == glibc || ! -f $work/out.$name.glibc || ! -f $work/out.$name.$a ]] && continue
			if ! cmp -s "$work/out.$name.glibc" "$work/out.$name.$a"; then
				echo "programs.sh: $name printed something else under $a than under glibc" >&2
				status=1
			fi
		done
	done
done

touch "$work/results"
awk -v order="${allocators[*]}" '
	function median(list,   n, v, i, j, t) {
		n = split(list, v, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{ key = $1 SUBSEP $2; t[key] = t[key] " " $4; m[key] = m[key] " " $5; f[key] = f[key] " " $6
	  if (!($1 in seen)) { seen[$1] = 1; progs[++np] = $1 } }
	END {
		na = split(order, al, " ")
		printf "%-9s %-9s %9s %10s %9s %8s %9s\n", "program", "allocator", "median_s", "speed/best", "RSS_MiB", "rss/best", "faults"
		for (i = 1; i <= np; i++) {
			p = progs[i]; best_t = 0; best_m = 0
			for (k = 1; k <= na; k++) {
				key = p SUBSEP al[k]
				if (!(key in t)) continue
				mt[k] = median(t[key]); mm[k] = median(m[key]); mf[k] = median(f[key])
				if (al[k] == "hakmem") continue
				if (!best_t || mt[k] < best_t) best_t = mt[k]
				if (!best_m || mm[k] < best_m) best_m = mm[k]
			}
			for (k = 1; k <= na; k++) {
				key = p SUBSEP al[k]
				if (!(key in t)) continue
				printf "%-9s %-9s %9.2f %10s %9.1f %8s %9d\n", p, al[k], mt[k],
					best_t ? sprintf("%.2f", best_t / (mt[k] > 0 ? mt[k] : 0.01)) : "-",
					mm[k] / 1024, best_m ? sprintf("%.2f", mm[k] / best_m) : "-", mf[k]
			}
		}
	}' "$work/results"
exit $status
