#!/bin/bash
# python_threads.sh - eight python3 threads build lists, strings, bytes and
# dicts and pass them around a ring of queue.Queue objects, so that objects
# made by one thread are used and freed by the next; each thread prints a
# digest of what it received.  Plainly and with libhakmem.so preloaded, the
# output must be the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require python3
begin_test

cat >"$WORK/threads.py" <<'PY'
import hashlib
import queue
import threading

THREADS = 8
ROUNDS = 4000
inboxes = [queue.Queue() for _ in range(THREADS)]
results = [None] * THREADS

def worker(t):
    outbox, inbox = inboxes[(t + 1) % THREADS], inboxes[t]
    digest = hashlib.sha256()
    kept = {}
    for r in range(ROUNDS):
        outbox.put({
            "from": t,
            "round": r,
            "words": [str(r * t + j) * (j % 7 + 1) for j in range(r % 17)],
            "blob": bytes([(r + t) % 256]) * (r % 300),
        })
        got = inbox.get()
        text = "|".join(got["words"]) + got["blob"].hex()
        digest.update(text.encode())
        kept[got["round"]] = text[: r % 40]
        if len(kept) > 500:
            del kept[min(kept)]
    results[t] = (digest.hexdigest(), len(kept), sum(map(len, kept.values())))

threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
for t, result in enumerate(results):
    print(t, *result)
PY

PYTHONHASHSEED=0 compare threads python3 "$WORK/threads.py"
