#!/bin/bash
# gcc.sh - gcc compiles a hand-written C program and a large generated one
# at -O2 and links them (the driver, cc1, as and ld all run preloaded), then
# the program runs.  Plainly and with libhakmem.so preloaded, the object
# files and the executable must be byte-identical (gcc's output does not
# depend on where its memory lies) and the program's output the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require gcc sha256sum
begin_test

cat >"$WORK/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned long generated_sum(unsigned n);

struct entry {
    char *word;
    unsigned count;
    struct entry *next;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static int by_count(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a;
    const struct entry *y = *(const struct entry *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2)
{
    if (row == n)
        return 1;
    int total = 0;
    for (int c = 0; c < n; c++) {
        if (cols >> c & 1 || d1 >> (row + c) & 1 || d2 >> (row - c + n) & 1)
            continue;
        total += queens(n, row + 1, cols | 1u << c, d1 | 1u << (row + c),
                        d2 | 1u << (row - c + n));
    }
    return total;
}

int main(void)
{
    enum { BUCKETS = 1024 };
    struct entry *table[BUCKETS] = { 0 };
    unsigned x = 1, distinct = 0;
    for (int i = 0; i < 200000; i++) {
        char word[16];
        x = x * 1103515245u + 12345u;
        snprintf(word, sizeof word, "w%u", (x >> 16) % 5000);
        struct entry **e = &table[hash(word) % BUCKETS];
        while (*e && strcmp((*e)->word, word) != 0)
            e = &(*e)->next;
        if (!*e) {
            *e = calloc(1, sizeof **e);
            (*e)->word = strdup(word);
            distinct++;
        }
        (*e)->count++;
    }
    struct entry **all = malloc(distinct * sizeof *all);
    unsigned n = 0;
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b]; e; e = e->next)
            all[n++] = e;
    qsort(all, n, sizeof *all, by_count);
    printf("%u distinct words; most frequent:", n);
    for (int i = 0; i < 5; i++)
        printf(" %s=%u", all[i]->word, all[i]->count);
    printf("\n");
    for (int q = 4; q <= 10; q++)
        printf("%d queens: %d solutions\n", q, queens(q, 0, 0, 0, 0));
    printf("generated: %lu\n", generated_sum(1000));
    return 0;
}
C

# 300 functions with loops and switches, and a dispatch table over them.
{
    for ((i = 0; i < 300; i++)); do
        echo "static unsigned long f$i(unsigned long x) {"
        echo "    unsigned long r = $i;"
        echo "    for (unsigned long k = 0; k < (x % 7) + 1; k++) {"
        echo "        switch ((x + k) % 5) {"
        echo "        case 0: r += x * $((i + 3)) + k; break;"
        echo "        case 1: r ^= (x << $((i % 13))) + $i; break;"
        echo "        case 2: r = r * 31 + (x >> $((i % 7))); break;"
        echo "        case 3: r -= k * $((i * 7 + 1)); break;"
        echo "        default: r += (r >> 3) ^ $((i * i)); break;"
        echo "        }"
        echo "    }"
        echo "    return r;"
        echo "}"
    done
    echo "static unsigned long (*const fns[])(unsigned long) = {"
    for ((i = 0; i < 300; i++)); do echo "    f$i,"; done
    echo "};"
    echo "unsigned long generated_sum(unsigned n) {"
    echo "    unsigned long s = 0;"
    echo "    for (unsigned i = 0; i < n; i++) s += fns[i % 300](i);"
    echo "    return s;"
    echo "}"
} >"$WORK/gen.c"

cat >"$WORK/build.sh" <<'BUILD'
set -e
gcc -O2 -Wall -Wextra -c ../prog.c -o prog.o
gcc -O2 -Wall -c ../gen.c -o gen.o
gcc prog.o gen.o -o prog
sha256sum prog.o gen.o prog
./prog
BUILD

compare gcc bash "$WORK/build.sh"
