/*
 * stats.c - naming the counters, so that every printer (text, JSON, the
 * simulator's report) lists the same names in the same order.
 */
#include "stats.h"

#include "os.h"

const char *const hk_os_call_names[HK_OS_CALLS] = {
    "mmap", "munmap", "madvise", "mincore", "mprotect"};

#define CLASS_FIELDS(X)                                                      \
    X(front_hits) X(front_misses) X(refilled) X(flushes) X(flushed)          \
    X(returned) X(remote_frees) X(slabs_acquired) X(slabs_released)          \
    X(slabs_adopted)                                                         \
    X(ss_mapped) X(lru_hits) X(lru_misses)

#define POOL_FIELDS(X)                                                       \
    X(ss_mapped) X(ss_unmapped) X(ss_live) X(ss_peak) X(ss_cached)           \
    X(ss_evicted) X(ss_purged) X(purged_bytes) X(heaps_created)              \
    X(heaps_reused)

#define LARGE_FIELDS(X)                                                      \
    X(allocs) X(frees) X(cache_hits) X(cache_misses) X(mapped) X(unmapped)   \
    X(purged) X(purged_bytes) X(live_bytes) X(peak_bytes)

void hk_class_stats_add(hk_class_stats *into, const hk_class_stats *from)
{
#define ADD(f) into->f += from->f;
    CLASS_FIELDS(ADD)
#undef ADD
}

#define VISIT(f) fn(ctx, #f, s->f);

void hk_class_stats_visit(const hk_class_stats *s,
                          void (*fn)(void *ctx, const char *name, uint64_t v),
                          void *ctx)
{
    CLASS_FIELDS(VISIT)
}

void hk_pool_stats_visit(const hk_pool_stats *s,
                         void (*fn)(void *ctx, const char *name, uint64_t v),
                         void *ctx)
{
    POOL_FIELDS(VISIT)
}

void hk_large_stats_visit(const hk_large_stats *s,
                          void (*fn)(void *ctx, const char *name, uint64_t v),
                          void *ctx)
{
    LARGE_FIELDS(VISIT)
}
