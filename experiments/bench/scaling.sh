#!/usr/bin/env bash
# Thread scaling: the Larson-style benchmark with 1, 2, 4, ... threads on
# hakmem and its peers, runs alternating between allocators, median of
# several; prints M ops/s and hakmem's ratio to the fastest peer.
#
# usage: experiments/bench/scaling.sh [--threads "1 2 4 8 16"] [--runs N]
#        [--rounds N]
# PEER_DIR: where the peers' .so files are (default: Debian's lib dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="1 2 4 8 16"
runs=3
rounds=1000
while [ $# -gt 0 ]; do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [--threads LIST] [--runs N] [--rounds N]" >&2; exit 2 ;;
    esac
done
peers=${PEER_DIR:-/usr/lib/x86_64-linux-gnu}
declare -A lib=(
    [hakmem]=$PWD/build/libhakmem.so
    [glibc]=""
    [mimalloc]=$peers/libmimalloc.so.2
    [jemalloc]=$peers/libjemalloc.so.2
    [tcmalloc]=$peers/libtcmalloc_minimal.so.4
)
names=(hakmem glibc mimalloc jemalloc tcmalloc)
for n in "${names[@]}"; do
    [ -z "${lib[$n]}" ] || [ -e "${lib[$n]}" ] || { echo "missing: ${lib[$n]}" >&2; exit 1; }
done

echo "larson -n $rounds (each lane: $rounds rounds of 10000 free+malloc pairs), $runs runs, median M ops/s; $(nproc) CPUs"
printf '%8s' threads; printf '%10s' "${names[@]}"; printf '%10s\n' "hk/best"
for t in $threads; do
    declare -A all=()
    for _ in $(seq "$runs"); do
        for n in "${names[@]}"; do
            ops=$(env ${lib[$n]:+LD_PRELOAD=${lib[$n]}} build/bench/larson -t "$t" -n "$rounds" |
                grep -o 'ops_per_s=[0-9]*' | cut -d= -f2)
            all[$n]="${all[$n]:-} $ops"
        done
    done
    printf '%8s' "$t"
    best=0
    declare -A med=()
    for n in "${names[@]}"; do
        med[$n]=$(printf '%s\n' ${all[$n]} | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
        printf '%10.1f' "$(awk -v v="${med[$n]}" 'BEGIN {print v / 1e6}')"
        [ "$n" != hakmem ] && [ "${med[$n]}" -gt "$best" ] && best=${med[$n]}
    done
    printf '%10.2f\n' "$(awk -v a="${med[hakmem]}" -v b="$best" 'BEGIN {print a / b}')"
    unset all med
done
