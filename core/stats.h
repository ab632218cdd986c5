/*
 * stats.h - what the allocator counts.
 *
 * Per-class counters live in each heap (written only by its thread, so
 * they cost no atomics) and are folded into the allocator's totals when a
 * heap dies.  Pool and large-object counters are written under their
 * locks.  System calls are counted by the backend, not here.
 */
#ifndef HK_STATS_H
#define HK_STATS_H

#include <stdint.h>

#include "sizeclass.h"

typedef struct hk_class_stats {
    uint64_t front_hits;     /* mallocs served by the front cache */
    uint64_t front_misses;   /* mallocs that had to refill */
    uint64_t refilled;       /* blocks moved slab -> front */
    uint64_t flushes;        /* times the front overflowed */
    uint64_t flushed;        /* blocks moved front -> slab */
    uint64_t returned;       /* blocks freed straight to their slab (no
                                front cache) */
    uint64_t remote_frees;   /* blocks returned to another thread's slab */
    uint64_t posted;         /* blocks of another thread's slab put in the
                                outbox, not the front (heap.h) */
    uint64_t slabs_acquired; /* slabs this class took from the pool */
    uint64_t slabs_released; /* empty slabs given back */
    uint64_t slabs_passed;   /* slabs given to the pool, blocks still in use,
                                for other threads (heap.c) */
    uint64_t slabs_adopted;  /* slabs taken over from other threads */
    uint64_t ss_mapped;      /* SuperSlabs mapped to serve this class */
    uint64_t lru_hits;       /* SuperSlabs reused from the LRU */
    uint64_t lru_misses;     /* the LRU was empty when one was needed */
} hk_class_stats;

typedef struct hk_pool_stats {
    uint64_t ss_mapped, ss_unmapped, ss_live, ss_peak;
    uint64_t ss_cached;   /* SuperSlabs put into the LRU */
    uint64_t ss_evicted;  /* unmapped because the LRU was full */
    uint64_t ss_purged;   /* purge calls on SuperSlab memory */
    uint64_t purged_bytes;
    uint64_t heaps_created, heaps_reused;
    uint64_t heaps_unparked; /* of the reused, those taken whole (heap.h) */
    uint64_t heaps_reaped;   /* parked heaps emptied, unclaimed */
    uint64_t delay_stretches; /* times purged memory was wanted back */
    uint64_t delay_ms;        /* the pool's delay (pool.h), in a snapshot */
    uint64_t huge_samples; /* SuperSlabs whose residency was sampled */
    uint64_t huge_advised; /* SuperSlabs mapped asking for huge pages */
    uint64_t huge_dear; /* mappings advised whose first huge page was dear,
                         * so that the rest did not ask (huge.h) */
    uint64_t huge_fault_ns, small_fault_ns; /* their prices (huge.h), in a
                                             * snapshot */
} hk_pool_stats;

typedef struct hk_large_stats {
    uint64_t allocs, frees;
    uint64_t cache_hits;   /* allocations served by a cached span as it was */
    uint64_t cache_splits; /* ... by the head of a larger one */
    uint64_t cache_grows;  /* ... by a smaller one, grown */
    uint64_t cache_misses; /* ... by a new mapping */
    uint64_t merges;       /* cached spans joined to a neighbour */
    uint64_t resizes;      /* reallocs that resized a span, no copy */
    uint64_t grows;        /* spans grown through the seam */
    uint64_t mapped, unmapped, purged, purged_bytes;
    uint64_t live_bytes, peak_bytes;
    uint64_t cached_bytes; /* in the cache, or kept by threads */
    uint64_t kept;      /* frees whose block a thread kept (keep.h) */
    uint64_t kept_hits; /* allocations served by a block a thread kept */
    uint64_t huge_samples; /* blocks whose residency was sampled (huge.h) */
    uint64_t huge_advised; /* new mappings that asked for huge pages */
    uint64_t huge_dear; /* new mappings advised whose first huge page was
                         * dear, so that the rest did not ask (huge.h) */
    uint64_t huge_fault_ns, small_fault_ns; /* their prices (huge.h), in a
                                             * snapshot */
} hk_large_stats;

/* A flat, read-only view for printing: name, per-class array or total. */
typedef struct hk_stats_snapshot {
    hk_class_stats cls[HK_CLASSES];
    hk_class_stats total;
    hk_pool_stats pool;
    hk_large_stats large;
} hk_stats_snapshot;

void hk_class_stats_add(hk_class_stats *into, const hk_class_stats *from);

/* Did the program use this class at all?  (Reports list only those.) */
static inline int hk_class_stats_used(const hk_class_stats *s)
{
    return s->front_hits || s->front_misses || s->slabs_acquired;
}

/* Visit each counter of a class-stats record by name. */
void hk_class_stats_visit(const hk_class_stats *s,
                          void (*fn)(void *ctx, const char *name, uint64_t v),
                          void *ctx);
void hk_pool_stats_visit(const hk_pool_stats *s,
                         void (*fn)(void *ctx, const char *name, uint64_t v),
                         void *ctx);
void hk_large_stats_visit(const hk_large_stats *s,
                          void (*fn)(void *ctx, const char *name, uint64_t v),
                          void *ctx);

/*
 * The allocator's statistics as every report prints them (the object
 * "allocator_stats" of `hakmem sim`, `hakmem replay` and HAKMEM_STATS):
 * objects pool, large and total, then the array classes of the classes
 * used, each with its class number and block size first; total and each
 * class end with front_hit_rate.  A sink is told the nesting (open and
 * close, name NULL for an element of an array) and the values; the shape
 * is decided here once, so the printers cannot disagree.
 */
typedef struct hk_stats_sink {
    void (*open)(void *ctx, const char *name, int array);
    void (*close)(void *ctx, int array);
    void (*count)(void *ctx, const char *name, uint64_t v);
    void (*ratio)(void *ctx, const char *name, double v);
    void *ctx;
} hk_stats_sink;

void hk_stats_walk(const hk_stats_snapshot *s, const hk_stats_sink *sink);

#endif
