#!/bin/bash
# git.sh - git initialises a repository, commits 300 generated files over
# five commits (adding, changing, renaming, deleting), then runs log, diff,
# grep, gc, fsck and count-objects.  Identity and dates are fixed, so the
# commit ids are too.  Plainly and with libhakmem.so preloaded, the output
# must be the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require git
begin_test

cat >"$WORK/session.sh" <<'GIT'
set -e
export HOME=$PWD GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com

git init -q -b main repo
cd repo
git config pack.threads 1
# No gc or maintenance of git's own in the background, beside the one run
# below: the output would depend on which finished first.
git config gc.auto 0
git config maintenance.auto false
commit() {
    export GIT_AUTHOR_DATE="2024-01-0$1T12:00:00Z" GIT_COMMITTER_DATE="2024-01-0$1T12:00:00Z"
    git add -A
    git commit -q -m "commit $1: $2"
}

for ((i = 0; i < 300; i++)); do
    mkdir -p "dir$((i % 10))"
    for ((line = 0; line < i % 40 + 5; line++)); do
        echo "file $i line $line value $((i * line * 7919 % 10007))"
    done >"dir$((i % 10))/file$i.txt"
done
commit 1 "add 300 files"

for ((i = 0; i < 300; i += 3)); do echo "changed $i" >>"dir$((i % 10))/file$i.txt"; done
commit 2 "change every third file"

for ((i = 1; i < 300; i += 10)); do git mv "dir$((i % 10))/file$i.txt" "dir$((i % 10))/moved$i.txt"; done
commit 3 "rename some files"

for ((i = 5; i < 300; i += 25)); do git rm -q "dir$((i % 10))/file$i.txt"; done
commit 4 "delete some files"

seq 1 20000 >big.txt
commit 5 "add a big file"

git log --stat --format='%H %an %ad %s' --date=iso-strict
git diff --stat HEAD~4 HEAD
git grep -c 'value 1' HEAD~2 | head -n 20
git gc -q
git fsck --full --strict --no-progress
git count-objects -v | grep -E '^(count|in-pack|packs|garbage)'
git rev-list --objects --all | wc -l
git cat-file -p HEAD
GIT

compare git bash "$WORK/session.sh"
