#!/usr/bin/env bash
# output_errors.sh - output that cannot be written is an error: each
# command with its standard output on /dev/full (a full disk) says so
# on stderr and exits 1, and so does each command whose output file
# cannot be created (its directory is a plain file).  `hakmem record`
# refuses such an -o FILE before it runs the program.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
hakmem=$PWD/build/hakmem
cd "$tmp" || exit 1

"$hakmem" trace gen random_mixed 5000 256 1 -o rm.trace || exit 1
cat >spec.json <<'JSON'
{"name": "full", "db": "r.db", "grid": {"lru_cap": [0, 8]},
 "baseline": {"lru_cap": 8}, "traces": [{"name": "rm", "file": "rm.trace"}]}
JSON
"$hakmem" sweep spec.json --jobs 1 2>/dev/null || fail "the sweep to plot"
printf '= Start\n@ ./a.out:[0x1] + 0x55d0c1e2a2a0 0x20\n@ ./a.out:[0x1] - 0x55d0c1e2a2a0\n= End\n' \
    >mtrace.log

# full COMMAND...: COMMAND with stdout on /dev/full exits with 1 and
# says on stderr that it could not write.
full() {
    local out status
    out=$("$hakmem" "$@" 2>&1 >/dev/full)
    status=$?
    if ((status != 1)) || ! grep -qiE "cannot write|write error" <<<"$out"; then
        fail "$* >/dev/full: exit status $status, '$(tail -n 2 <<<"$out")'"
    else
        echo "ok $* >/dev/full: $(tail -n 1 <<<"$out")"
    fi
}
full sim rm.trace
full replay rm.trace
full compare --runs 1 rm.trace
full trace info rm.trace
full trace info --json rm.trace
full plot --db r.db --kind line --x lru_cap --y predicted.ns -o p.svg --print
full validate spec.json --runs 1 --jobs 1 --db v.db
full calibrate --quick
full --version
full --help
full help sim
for c in trace record sim replay compare calibrate sweep merge validate plot; do
    full "$c" --help
done

# A command's output file in a "directory" that is a plain file.
touch file
expect 1 "file/x: Not a directory" "$hakmem" trace gen random_mixed 10 10 1 -o file/x
expect 1 "" "$hakmem" trace import --from mtrace mtrace.log -o file/x
expect 1 "file/c.json: Not a directory" "$hakmem" calibrate --quick -o file/c.json
expect 1 "file/x.db" "$hakmem" sweep spec.json --db file/x.db
expect 1 "file/m.db" "$hakmem" merge file/m.db r.db
expect 1 "cannot create file/p.svg" \
    "$hakmem" plot --db r.db --kind line --x lru_cap --y predicted.ns -o file/p.svg
[[ -e file/x || -e file/c.json ]] && fail "something was written into file/"
expect 1 "cannot create .*file/x.trace.d: Not a directory" \
    "$hakmem" record -o file/x.trace -- touch ran
[[ -e ran ]] && fail "record ran the program although it could not write"
expect 1 "cannot create .*/x.trace.d: No such file or directory" \
    "$hakmem" record -o no/such/dir/x.trace -- touch ran
[[ -e ran ]] && fail "record ran the program although it could not write"
((failures == 0)) && echo "ok every output file that cannot be created is an error"
((failures == 0))
