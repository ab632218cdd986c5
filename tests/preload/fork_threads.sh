#!/bin/bash
# fork_threads.sh - tests/preload/fork_threads.c: four threads allocate
# while the main thread forks sixteen children that allocate, from a thread
# of their own too, and exit.  Plainly and with libhakmem.so preloaded, the
# output must be the same.  Uses build/tests/fork_threads when the Makefile
# has built it, else compiles the program itself.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
begin_test

program=build/tests/fork_threads
if [[ ! -x $program ]]; then
    require gcc
    program=$WORK/fork_threads
    gcc -O2 -Wall -Wextra -Werror -pthread tests/preload/fork_threads.c -o "$program"
fi

compare fork_threads "$(realpath "$program")"
