#!/bin/bash
# resume.sh - a tune killed midway (SIGKILL, once a few simulations are
# stored) and run again reruns none of them: it reports them as stored
# already, the database ends with each simulation once, and the outcome
# and the stored runs equal those of a tune never interrupted.
source "$(dirname "$0")/common.bash"

whole=$(tune --db whole.db --jobs 2) ||
    fail "the uninterrupted tune failed: $(cat tune.err)"
total=$(jq .search.simulations <<<"$whole")
[[ $(count whole.db "SELECT count(*) FROM runs") == "$total" ]] ||
    fail "the uninterrupted tune stored $(count whole.db \
        "SELECT count(*) FROM runs") runs, not its $total simulations"

# One simulation at a time, killed once a few are stored.
stored=$(kill_once_stored part.db 5 "$hakmem" tune phases.hkt \
    --params "$knobs" --budget 45 --db part.db --jobs 1)
echo "killed after $stored of $total simulations"
((stored > 0 && stored < total)) || fail "killed with $stored stored"

resumed=$(tune --db part.db --jobs 2) ||
    fail "the resumed tune failed: $(cat tune.err)"
[[ $(jq .search.stored_before <<<"$resumed") == "$stored" ]] ||
    fail "the resumed tune found $(jq .search.stored_before \
        <<<"$resumed") simulations stored, not $stored"
[[ $(count part.db "SELECT count(*) FROM runs") == "$total" ]] ||
    fail "the resumed tune left $(count part.db \
        "SELECT count(*) FROM runs") runs, not $total"
outcome='del(.search.wall_s, .search.stored_before, .search.jobs)'
[[ $(jq -S "$outcome" <<<"$whole") == "$(jq -S "$outcome" <<<"$resumed")" ]] ||
    fail "the resumed tune's outcome differs: $(diff <(jq -S "$outcome" \
        <<<"$whole") <(jq -S "$outcome" <<<"$resumed") | head -20)"
cmp -s <(dump whole.db) <(dump part.db) ||
    fail "the resumed tune's runs differ from the uninterrupted one's"

# Once more: nothing left to run.
again=$(tune --db part.db) || fail "the third tune failed"
[[ $(jq .search.stored_before <<<"$again") == "$total" ]] ||
    fail "the third tune ran simulations again"
[[ $(count part.db "SELECT count(*) FROM runs") == "$total" ]] ||
    fail "the third tune added runs"
echo "resumed: $((total - stored)) simulations run after the kill, none twice"
