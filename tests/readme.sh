#!/usr/bin/env bash
# The README documents every setting: each allocator parameter of
# core/params.c and each run setting `hakmem sim` accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/hakmem trace gen random_mixed 100 16 1 -o "$tmp/t.trace"
names=$(grep -o '^    {"[a-z_0-9]*",' core/params.c | grep -o '[a-z_0-9]*')
names+=" $(build/hakmem sim "$tmp/t.trace" | grep -o '"settings":{[^}]*}' |
    grep -o '"[a-z_0-9]*":"' | tr -d '":')"
[ -n "$names" ] || { echo "no setting names found"; exit 1; }
for name in $names; do
    grep -q "\`$name\`" README.md || { echo "README lacks \`$name\`"; fail=1; }
done
[ $fail = 0 ] && echo "ok: the README documents $(echo $names | wc -w) settings"
exit $fail
