#!/bin/bash
# python_dict.sh - python3 builds a dict of 200,000 entries holding lists,
# tuples and strings, replaces a third of it with nested dicts, sorts it and
# prints a SHA-256 of the sorted result.  Plainly and with libhakmem.so
# preloaded, the output must be the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require python3
begin_test

cat >"$WORK/dict.py" <<'PY'
import hashlib

N = 200_000

def key(i):
    return f"key-{(i * 7919) % N:06d}-{i % 97}"

d = {}
for i in range(N):
    d[key(i)] = [i, str(i * i), "x" * (i % 50), (i % 13, f"{i:x}")]
for i in range(0, N, 3):
    del d[key(i)]
for i in range(N // 3):
    d[f"new-{i}"] = {"n": i, "s": "y" * (i % 100), "l": list(range(i % 20))}

items = sorted(d.items())
digest = hashlib.sha256()
for k, v in items:
    digest.update(repr((k, v)).encode())
print(len(items), items[0][0], items[-1][0])
print(digest.hexdigest())
PY

PYTHONHASHSEED=0 compare dict python3 "$WORK/dict.py"
