#!/usr/bin/env bash
# The README documents every setting: each allocator parameter of
# core/params.c and each run setting `hakmem settings` lists, by name, and
# each other name the environment takes (the seed report's aliases of
# core/params.c and the HAKMEM_ variables of real/env.c) as HAKMEM_NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
alias_line='^    {"[a-z_0-9]*", "[a-z_0-9]*"},$'
names=$(grep '^    {"[a-z_0-9]*",' core/params.c | grep -v "$alias_line" |
    grep -o '^    {"[a-z_0-9]*"' | grep -o '[a-z_0-9]*')
names+=" $(build/hakmem settings | awk 'NR > 1 {print $1}')"
variables=$(grep "$alias_line" core/params.c | grep -o '^    {"[a-z_0-9]*"' |
    grep -o '[a-z_0-9]*' | tr a-z A-Z | sed 's/^/HAKMEM_/')
variables+=" $(grep -o '"HAKMEM_[A-Z_]*[A-Z]"' real/env.c | tr -d '"')"
[ -n "$names" ] || { echo "no setting names found"; exit 1; }
[[ $variables == *HAKMEM_SS_LRU_SIZE*HAKMEM_STATS* ]] ||
    { echo "the environment's names not found: $variables"; exit 1; }
for name in $names $variables; do
    grep -q "\`$name\`" README.md || { echo "README lacks \`$name\`"; fail=1; }
done
[ $fail = 0 ] && echo "ok: the README documents $(echo $names | wc -w)" \
    "settings and $(echo $variables | wc -w) variables"
exit $fail
