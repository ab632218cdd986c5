#!/usr/bin/env bash
# The main job, end to end: install what is missing, build, and run the
# allocator against its peers.  Safe to rerun; prints progress as it goes.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in $(cat .ci/packages); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
        missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q && apt-get install -y -q "${missing[@]}"
    else
        sudo apt-get update -q && sudo apt-get install -y -q "${missing[@]}"
    fi
fi

echo "== building"
make -s -j"$(nproc)" all

echo "== libhakmem.so in a real program (python3), with statistics"
HAKMEM_STATS=1 LD_PRELOAD="$PWD/build/libhakmem.so" \
    python3 -c 'print(sum(len(str(i)) for i in range(300000)))' 2>&1 |
    grep -E '^[0-9]|syscalls|pool|total'

echo "== side-by-side benchmarks (quick)"
experiments/bench/run.sh --quick
