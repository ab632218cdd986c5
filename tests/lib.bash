# tests/lib.bash - what the shell tests share, sourced at their top: a
# scratch directory ($tmp) removed at exit, fail (report a failure and
# count it), expect (check a command's exit status and output),
# json_value (a value in a command's JSON) and need_jq (skip without jq).

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-$(basename "$0" .sh).XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    ((failures++))
}

# expect STATUS PATTERN COMMAND...: COMMAND exits with STATUS and its
# output (stdout and stderr) matches the grep PATTERN (if not empty).
expect() {
    local want=$1 pattern=$2 out status
    shift 2
    out=$("$@" 2>&1)
    status=$?
    if ((status != want)); then
        fail "$*: exit status $status, expected $want"
    elif [[ -n $pattern ]] && ! grep -q -e "$pattern" <<<"$out"; then
        fail "$*: output lacks '$pattern'"
    else
        return 0
    fi
    head -n 5 <<<"$out" | sed 's/^/    /'
    return 1
}

# json_value KEY JSON: the first value of "KEY" in JSON, printed compact
# or not: a number, true, false or null (strings and objects are not
# values here).
json_value() {
    tr -d ' \n' <<<"$2" | grep -o "\"$1\":[^,}]*" | head -n 1 | cut -d: -f2
}

# need_jq: a test that reads JSON with jq is skipped (status 77) where jq
# is missing.
need_jq() {
    command -v jq >/dev/null && return 0
    echo "SKIP: jq is not installed (.ci/packages)"
    exit 77
}
