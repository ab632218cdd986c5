/*
 * chase.c - pointer chases, on which the TLB's and the caches'
 * measurements stand: a random cycle through a buffer's lines, each
 * holding the address of the next, and following it.  Every step is a
 * load whose address the step before produced, so a chase runs at the
 * latency of wherever its lines are.
 */
#include <stdlib.h>

#include "experiments/calibrate/calib.h"

uint64_t calib_random(uint64_t *state) /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Sattolo's algorithm: a random permutation with a single cycle. */
void *calib_chase_link(size_t n, char *(*line)(const void *ctx, size_t i),
                       const void *ctx, uint64_t *rng)
{
    size_t *next = calib_xcalloc(n, sizeof *next);
    for (size_t i = 0; i < n; i++)
        next[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(calib_random(rng) % i), t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        *(void **)line(ctx, i) = line(ctx, next[i]);
    free(next);
    return line(ctx, 0);
}

uint64_t calib_chase(void **at, size_t steps)
{
    void *p = *at;
    uint64_t t0 = calib_now_ns();
    for (size_t i = 0; i < steps; i++)
        p = *(void **)p;
    uint64_t t = calib_now_ns() - t0;
    calib_use(p);
    *at = p;
    return t;
}
