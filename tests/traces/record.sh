#!/bin/bash
# record.sh - `hakmem record` on real programs: python3 building and
# sorting a large dict, sqlite3 inserting 20,000 rows and querying them,
# eight python3 threads passing objects through queue.Queue, programs
# whose threads allocate while they fork (record_calls fork, whose
# children exit(), and fork_threads, whose children _exit()), a process
# that execs, and one that is killed with SIGKILL mid-run.
#
# Each runs plainly and recorded: the same stdout, stderr and exit
# status; every trace passes `trace info`, `sim` and `replay`, with the
# objects live at the end of both replays equal to those trace info
# counts.  Then what each case is about: the forked children's traces
# FILE.d/PID.trace, the exec'd image's FILE and the replaced image's
# FILE.d/PID.trace, the killed program's trace marked "cut short" and
# replayed to the cut.
#
# python3 runs with PYTHONMALLOC=malloc, so every object is a malloc.
# Skips (77) when python3 or sqlite3 is missing.  Prints FAIL lines;
# exits 1 if anything failed.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/traces/record_common.bash
source tests/traces/record_common.bash

for program in python3 sqlite3; do
    if ! command -v "$program" >/dev/null; then
        echo "SKIP: $program is not installed"
        exit 77
    fi
done
# The interpreter itself, not a wrapper script that execs it.
python=$(python3 -c 'import sys; print(sys.executable)')
export PYTHONMALLOC=malloc PYTHONHASHSEED=0

# --- python3: a large dict, sorted ---
cat >"$tmp/dict.py" <<'PY'
d = {}
for i in range(200000):
    d["key-%d" % (i * 7919 % 200000)] = [i, str(i) * (i % 7), (i, i + 1)]
items = sorted(d.items(), key=lambda kv: (kv[1][0] % 1000, kv[0]))
print(len(items), items[0][0], items[-1][0])
print(sum(len(v[1]) for _, v in items))
PY
if record_both dict "$python" "$tmp/dict.py"; then
    check_all dict
    complete "$tmp/dict/trace"
    events=$(info_num "$tmp/dict/trace" events)
    ((events > 400000)) || fail "dict: only $events events recorded"
fi

# --- sqlite3: 20,000 rows ---
cat >"$tmp/rows.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO t SELECT x, x % 37, printf('name-%06d-%s', (x * 7919) % 20000,
                                       hex(x * x)), x / 7.0 FROM c;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(grp), printf('%.3f', total(val)) FROM t;
SELECT grp, count(*), min(name), max(name) FROM t GROUP BY grp ORDER BY grp;
UPDATE t SET name = upper(name) WHERE id % 3 = 0;
DELETE FROM t WHERE grp IN (1, 2, 3);
SELECT id, name FROM t ORDER BY name DESC LIMIT 10;
PRAGMA integrity_check;
SQL
if record_both sqlite sqlite3 -bail test.db ".read $tmp/rows.sql"; then
    check_all sqlite
    complete "$tmp/sqlite/trace"
fi

# --- python3: eight threads and queue.Queue ---
cat >"$tmp/threads.py" <<'PY'
import queue
import threading

THREADS = 8
ROUNDS = 3000
inboxes = [queue.Queue() for _ in range(THREADS)]
results = [None] * THREADS

def worker(t):
    outbox, inbox = inboxes[(t + 1) % THREADS], inboxes[t]
    total, kept = 0, {}
    for r in range(ROUNDS):
        outbox.put({"from": t, "round": r,
                    "words": [str(r * t + j) * (j % 5 + 1) for j in range(r % 13)]})
        got = inbox.get()
        total += sum(map(len, got["words"]))
        kept[got["round"]] = got["words"]
        if len(kept) > 300:
            del kept[min(kept)]
    results[t] = (total, len(kept))

threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
for t, result in enumerate(results):
    print(t, *result)
PY
if record_both threads "$python" "$tmp/threads.py"; then
    check_all threads
    complete "$tmp/threads/trace"
    n=$(info_num "$tmp/threads/trace" threads)
    ((n >= 9)) || fail "threads: the trace has $n threads, not 9"
fi

# --- fork: children while threads allocate ---
# record_calls: each child inherits 1000 blocks, frees 500 of them and 100
# of its own, and exits: its trace is complete, and its 600 frees name
# the synthetic mallocs of what it inherited.
if record_both fork "$PWD/build/tests/record_calls" fork 16; then
    check_all fork
    complete "$tmp/fork/trace"
    children=("$tmp"/fork/trace.d/*.trace)
    ((${#children[@]} == 16)) ||
        fail "fork: ${#children[@]} child traces, not 16"
    for child in "${children[@]}"; do
        [[ -e $child ]] || continue
        complete "$child"
        [[ $(program_of "$child") == *"[forked from pid "* ]] ||
            fail "$child: program '$(program_of "$child")'"
        frees=$(info_num "$child" free)
        mallocs=$(info_num "$child" malloc)
        ((frees == 600 && mallocs >= 1100)) ||
            fail "$child: $mallocs mallocs and $frees frees"
    done
    echo "ok fork: ${#children[@]} child traces, each starting with what it inherited"
fi
# fork_threads: children end with _exit, so their traces are cut short
# (or absent, for a child that never filled a buffer), but well formed.
if record_both fork_threads "$PWD/build/tests/fork_threads"; then
    check_all fork_threads
    complete "$tmp/fork_threads/trace"
    children=("$tmp"/fork_threads/trace.d/*.trace)
    [[ -e ${children[0]} ]] || fail "fork_threads: no child trace"
    for child in "${children[@]}"; do
        [[ ! -e $child || $(program_of "$child") == *"[forked from pid "* ]] ||
            fail "$child: program '$(program_of "$child")'"
    done
fi

# --- exec: an image that allocates, then execs another program ---
# bash's array takes tens of thousands of mallocs, more than one buffer,
# so the replaced image leaves a (cut short) trace of its own.
if record_both exec bash -c 'for ((i = 0; i < 30000; i++)); do a[i]=$i; done
                             exec '"$PWD"'/build/tests/record_calls calls 10'; then
    check_all exec
    complete "$tmp/exec/trace"
    [[ $(program_of "$tmp/exec/trace") == *record_calls\ calls\ 10 ]] ||
        fail "exec: trace is of '$(program_of "$tmp/exec/trace")'"
    before=("$tmp"/exec/trace.d/*.trace)
    if ((${#before[@]} != 1)) ||
        [[ $(program_of "${before[0]}") != bash*"[cut short: "* ]]; then
        fail "exec: the replaced image's trace: ${before[*]}"
    else
        echo "ok exec: FILE is the last image, FILE.d/PID.trace the one exec replaced"
    fi
fi

# --- SIGKILL mid-run ---
# python3 allocates for half a second (several flushes), then is killed.
cat >"$tmp/killed.py" <<'PY'
import os, signal, time
keep, start = [], time.time()
while time.time() - start < 0.5:
    keep.append({str(i): str(i) * 3 for i in range(100)})
    del keep[:-300]
print("killing myself", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
PY
if record_both killed "$python" "$tmp/killed.py"; then
    ((status == 137)) || fail "killed: exit status $status, not 137"
    check_all killed
    [[ $(program_of "$tmp/killed/trace") == *"[cut short: the process ended without"* ]] ||
        fail "killed: program '$(program_of "$tmp/killed/trace")'"
    events=$(info_num "$tmp/killed/trace" events)
    sim_events=$("$hakmem" sim "$tmp/killed/trace" | json_num events)
    ((events > 100000 && sim_events == events)) ||
        fail "killed: $events events in the trace, $sim_events replayed"
    echo "ok killed: cut short after $events events, all replayed"
fi

finish
