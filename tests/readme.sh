#!/usr/bin/env bash
# The README documents every setting: each allocator parameter of
# core/params.c and each run setting `hakmem settings` lists.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
names=$(grep -o '^    {"[a-z_0-9]*",' core/params.c | grep -o '[a-z_0-9]*')
names+=" $(build/hakmem settings | awk 'NR > 1 {print $1}')"
[ -n "$names" ] || { echo "no setting names found"; exit 1; }
for name in $names; do
    grep -q "\`$name\`" README.md || { echo "README lacks \`$name\`"; fail=1; }
done
[ $fail = 0 ] && echo "ok: the README documents $(echo $names | wc -w) settings"
exit $fail
