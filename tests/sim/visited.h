/*
 * visited.h - what a configuration's visit function (hk_tlb_config_visit,
 * hk_dcache_config_visit) passed to its callback: up to VISITED_MAX
 * names and values in order, and how many there were in all.
 */
#ifndef HK_TESTS_VISITED_H
#define HK_TESTS_VISITED_H

#include <stdint.h>

#define VISITED_MAX 16

struct visited {
    int n;
    const char *names[VISITED_MAX];
    uint64_t values[VISITED_MAX];
};

/* The callback: ctx is a struct visited, zeroed before the visit. */
static inline void record(void *ctx, const char *name, uint64_t v)
{
    struct visited *seen = ctx;
    if (seen->n < VISITED_MAX) {
        seen->names[seen->n] = name;
        seen->values[seen->n] = v;
    }
    seen->n++;
}

#endif
