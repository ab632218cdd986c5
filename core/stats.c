/*
 * stats.c - naming the counters and laying out the report, so that every
 * printer (text, JSON, the simulator's report) lists the same names in
 * the same order and nesting.
 */
#include "stats.h"

#include "os.h"

const char *const hk_os_call_names[HK_OS_CALLS] = {
    "mmap", "munmap", "madvise", "mincore", "mprotect", "mremap"};

#define CLASS_FIELDS(X)                                                      \
    X(front_hits) X(front_misses) X(refilled) X(flushes) X(flushed)          \
    X(returned) X(remote_frees) X(posted) X(slabs_acquired)                  \
    X(slabs_released) X(slabs_passed) X(slabs_adopted)                       \
    X(ss_mapped) X(lru_hits) X(lru_misses)

#define POOL_FIELDS(X)                                                       \
    X(ss_mapped) X(ss_unmapped) X(ss_live) X(ss_peak) X(ss_cached)           \
    X(ss_evicted) X(ss_purged) X(purged_bytes) X(heaps_created)              \
    X(heaps_reused) X(heaps_unparked) X(heaps_reaped) X(delay_stretches)     \
    X(delay_ms) X(huge_samples) X(huge_advised) X(huge_dear)                 \
    X(huge_fault_ns) X(small_fault_ns)

#define LARGE_FIELDS(X)                                                      \
    X(allocs) X(frees) X(cache_hits) X(cache_splits) X(cache_grows)          \
    X(cache_misses) X(merges) X(resizes) X(grows) X(mapped) X(unmapped)      \
    X(purged) X(purged_bytes) X(live_bytes) X(peak_bytes) X(cached_bytes)    \
    X(kept) X(kept_hits) X(huge_samples) X(huge_advised) X(huge_dear)        \
    X(huge_fault_ns) X(small_fault_ns)

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

static void walk_counter(void *ctx, const char *name, uint64_t v)
{
    const hk_stats_sink *sink = ctx;
    sink->count(sink->ctx, name, v);
}

static void walk_hit_rate(const hk_class_stats *cs, const hk_stats_sink *sink)
{
    uint64_t all = cs->front_hits + cs->front_misses;
    sink->ratio(sink->ctx, "front_hit_rate",
                all ? (double)cs->front_hits / (double)all : 0);
}

void hk_stats_walk(const hk_stats_snapshot *s, const hk_stats_sink *sink)
{
    void *ctx = sink->ctx;
    sink->open(ctx, "pool", 0);
    hk_pool_stats_visit(&s->pool, walk_counter, (void *)sink);
    sink->close(ctx, 0);
    sink->open(ctx, "large", 0);
    hk_large_stats_visit(&s->large, walk_counter, (void *)sink);
    sink->close(ctx, 0);
    sink->open(ctx, "total", 0);
    hk_class_stats_visit(&s->total, walk_counter, (void *)sink);
    walk_hit_rate(&s->total, sink);
    sink->close(ctx, 0);
    sink->open(ctx, "classes", 1);
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        const hk_class_stats *cs = &s->cls[c];
        if (!hk_class_stats_used(cs))
            continue;
        sink->open(ctx, NULL, 0);
        sink->count(ctx, "class", c);
        sink->count(ctx, "size", hk_class_size(c));
        hk_class_stats_visit(cs, walk_counter, (void *)sink);
        walk_hit_rate(cs, sink);
        sink->close(ctx, 0);
    }
    sink->close(ctx, 1);
}
