/*
 * count_calls.h - counts the allocation calls of a benchmark, for
 * tests/traces/cli.sh, which compiles an unmodified benchmark with
 * `cc -include tests/traces/count_calls.h experiments/bench/NAME.c`.
 *
 * malloc, calloc and free of that one file go through counters
 * (thread-safe); at exit it prints on stderr
 *   COUNT mallocs=N frees=N
 *   COUNT size LO-HI N        (mallocs by power-of-two size bucket)
 * where frees leaves out one free per calloc: the benchmarks calloc only
 * their bookkeeping and free all of it, so what is left is the frees of
 * malloc'ed blocks.
 */
#ifndef COUNT_CALLS_H
#define COUNT_CALLS_H

#include <stdio.h>
#include <stdlib.h>

static unsigned long count_mallocs, count_callocs, count_frees;
static unsigned long count_sizes[65];

static void *count_malloc(size_t n)
{
    __atomic_fetch_add(&count_mallocs, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&count_sizes[n ? 64 - __builtin_clzl(n) : 0], 1,
                       __ATOMIC_RELAXED);
    return malloc(n);
}

static void *count_calloc(size_t n, size_t size)
{
    __atomic_fetch_add(&count_callocs, 1, __ATOMIC_RELAXED);
    return calloc(n, size);
}

static void count_free(void *p)
{
    __atomic_fetch_add(&count_frees, 1, __ATOMIC_RELAXED);
    free(p);
}

static void count_report(void)
{
    fprintf(stderr, "COUNT mallocs=%lu frees=%lu\n", count_mallocs,
            count_frees - count_callocs);
    for (int b = 0; b < 65; b++)
        if (count_sizes[b])
            fprintf(stderr, "COUNT size %lu-%lu %lu\n",
                    b ? 1ul << (b - 1) : 0, b ? (1ul << (b - 1)) * 2 - 1 : 0,
                    count_sizes[b]);
}

__attribute__((constructor)) static void count_start(void)
{
    atexit(count_report);
}

#define malloc count_malloc
#define calloc count_calloc
#define free count_free

#endif
