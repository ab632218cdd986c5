/*
 * tlb_bench.c - how many hk_tlb_access calls per second the TLB model
 * sustains, on the default (Golden Cove) geometry.
 *
 * Usage: tlb_bench [MILLIONS]   (accesses per pattern, default 100)
 *
 * Each pattern is a fixed stream of 2^20 addresses, made up front by a
 * seeded xorshift generator so that timing covers the model alone, and
 * replayed until the count is reached.  Prints one line per pattern:
 * accesses per second and the fraction that hit L1 and that walked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/tlb.h"

#define STREAM (1u << 20)

typedef struct addr {
    uint64_t vaddr;
    int huge;
} addr;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random byte in the first `pages` 4 KiB pages above 1 TiB. */
static uint64_t random_in(uint64_t pages)
{
    return (1ull << 40) + rng() % (pages << 12);
}

/* 32 pages: everything hits L1. */
static addr hot(void)
{
    return (addr){random_in(32), 0};
}

/* 1024 pages: mostly L1 misses that hit the 2048-entry STLB. */
static addr stlb(void)
{
    return (addr){random_in(1024), 0};
}

/* 1 Mi pages (4 GiB): nearly every access walks. */
static addr walks(void)
{
    return (addr){random_in(1u << 20), 0};
}

/* Like an allocator's metadata and blocks: 90% in a hot set of 16 pages,
 * 9% in 1024 pages, 1% anywhere in 4 GiB; a fifth of it on 2 MiB pages. */
static addr mixed(void)
{
    uint64_t r = rng() % 100;
    addr a = {r < 90 ? random_in(16) : r < 99 ? random_in(1024)
                                              : random_in(1u << 20),
              0};
    a.huge = rng() % 5 == 0;
    return a;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run(const char *name, addr (*gen)(void), uint64_t n,
                addr *stream)
{
    hk_tlb_config c;
    char err[200];
    hk_tlb_config_default(&c);
    hk_tlb *t = hk_tlb_create(&c, err, sizeof err);
    if (!t) {
        fprintf(stderr, "tlb_bench: %s\n", err);
        exit(1);
    }
    for (uint32_t i = 0; i < STREAM; i++)
        stream[i] = gen();
    double start = seconds();
    for (uint64_t i = 0; i < n; i++) {
        const addr *a = &stream[i & (STREAM - 1)];
        hk_tlb_access(t, a->vaddr, a->huge);
    }
    double took = seconds() - start;
    const hk_tlb_stats *s = hk_tlb_stats_get(t);
    printf("%-6s %7.1f M accesses/s  (%5.1f ns each; L1 hits %5.1f%%, "
           "walks %5.1f%%)\n",
           name, (double)n / took / 1e6, took * 1e9 / (double)n,
           100.0 * (double)s->l1_hits / (double)s->accesses,
           100.0 * (double)s->l2_misses / (double)s->accesses);
    hk_tlb_destroy(t);
}

int main(int argc, char **argv)
{
    uint64_t n = (argc > 1 ? strtoull(argv[1], NULL, 10) : 100) * 1000000;
    addr *stream = malloc(STREAM * sizeof *stream);
    if (!stream || n == 0) {
        fprintf(stderr, "usage: tlb_bench [MILLIONS]\n");
        return 1;
    }
    run("hot", hot, n, stream);
    run("stlb", stlb, n, stream);
    run("walks", walks, n, stream);
    run("mixed", mixed, n, stream);
    free(stream);
    return 0;
}
