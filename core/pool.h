/*
 * pool.h - the shared pool: every SuperSlab, which of them have free
 * units, the LRU cache of empty ones, slabs given up by their threads,
 * and every heap.  One lock guards it all; it is taken only on slow paths
 * (a heap needs a new slab or gives one back), never per block.
 *
 * With shared_pool=1 every SuperSlab with a free span can serve any size
 * class (list 0); with shared_pool=0 each SuperSlab serves one class until
 * it is empty again (list = class), as before the shared pool existed.
 */
#ifndef HK_POOL_H
#define HK_POOL_H

#include <stdatomic.h>
#include <stdint.h>

#include "huge.h"
#include "keep.h"
#include "list.h"
#include "lock.h"
#include "pause.h"
#include "sizeclass.h"
#include "stats.h"
#include "superslab.h"

struct hk_allocator;
struct hk_heap;

typedef struct hk_pool {
    hk_lock lock;
    hk_list partial[HK_CLASSES];
    hk_list all;                 /* every mapped SuperSlab */
    hk_list lru;                 /* empty SuperSlabs, most recent first */
    uint64_t lru_count;
    hk_list abandoned[HK_CLASSES];
    struct hk_heap *heaps;
    _Atomic uint32_t heaps_live; /* written under the lock, read anywhere */
    /* earliest time a purge is due; written under the lock, read
     * without it by hk_pool_tick */
    _Atomic uint64_t next_purge;
    /* when the first parked heap is due to be reaped (heap.h); written
     * under the lock, read without it */
    _Atomic uint64_t reap_at;
    _Atomic uint32_t heaps_parked; /* written under the lock */
    hk_pause pause; /* slow paths and ticks (pause.h) */
    /* How long free memory waits to be purged or unmapped, in ns:
     * purge_delay, stretched while the program wants purged memory back
     * soon after (pool.c).  When it last changed; when the LRU last
     * unmapped a SuperSlab, empty since evicted_since. */
    uint64_t delay, delay_set_at, evicted_at, evicted_since;
    /* The huge-page advice for SuperSlabs (pool.c), and the last two
     * SuperSlabs taken into use, the later second. */
    hk_huge huge;
    hk_ss *taken[2];
    hk_pool_stats stats;
    hk_class_stats class_stats[HK_CLASSES]; /* dead heaps and pool work */
    hk_keep_counts dead_keeps; /* what dead heaps' keeps did */
} hk_pool;

static inline uint64_t hk_pool_next_purge(hk_pool *pool)
{
    return atomic_load_explicit(&pool->next_purge, memory_order_relaxed);
}

/* Under the lock. */
static inline void hk_pool_set_next_purge(hk_pool *pool, uint64_t at)
{
    atomic_store_explicit(&pool->next_purge, at, memory_order_relaxed);
}

/* Under the lock: a purge pass is due by `at` at the latest. */
static inline void hk_pool_purge_by(hk_pool *pool, uint64_t at)
{
    if (at < hk_pool_next_purge(pool))
        hk_pool_set_next_purge(pool, at);
}

/* pool: zero-filled; delay_ns: purge_delay. */
void hk_pool_init(hk_pool *pool, uint64_t delay_ns);

/* Unmap every SuperSlab (the allocator is being thrown away). */
void hk_pool_destroy(struct hk_allocator *a);

/* A slab of class c owned by h: adopted, else (when may_carve) carved
 * from a SuperSlab with a free span, or from a new SuperSlab.  NULL when
 * out of memory, or when none waits for adoption and !may_carve. */
hk_slab *hk_pool_acquire_slab(struct hk_allocator *a, struct hk_heap *h,
                              unsigned c, int may_carve);

/* An empty slab goes back to its SuperSlab. */
void hk_pool_release_slab(struct hk_allocator *a, hk_slab *s);

/* A non-empty slab its owner gives up (it is exiting, or it holds more
 * slabs of the class with room than it keeps) waits for adoption. */
void hk_pool_abandon_slab(struct hk_allocator *a, hk_slab *s);

/* Every slab on list, which an exiting heap empties: the empty ones go
 * back to their SuperSlabs at time now (counted in released), the others
 * wait for adoption.  The caller holds the pool's lock: an exiting thread
 * takes it once for all its slabs, not once for each, and reads the clock
 * before. */
void hk_pool_hand_over(struct hk_allocator *a, hk_list *list,
                       uint64_t *released, uint64_t now);

/* Return memory unused for the pool's delay (all of it when force); the
 * bytes returned. */
size_t hk_pool_purge(struct hk_allocator *a, int force);

/* Return memory unused for the pool's delay if a pass is due, unless another
 * thread holds the pool's lock (its own slow path will look); let the
 * large cache decay likewise.  Takes no lock when nothing is due. */
void hk_pool_tick(struct hk_allocator *a, uint64_t now);

/* Internal to the pool and lru.c (caller holds the lock).  hk_lru_trim
 * unmaps the cached SuperSlabs beyond lru_cap that have been empty for
 * `delay` ns and returns when the next one will have been (UINT64_MAX:
 * none waits). */
void hk_lru_push(struct hk_allocator *a, hk_ss *ss, uint64_t now);
hk_ss *hk_lru_pop(struct hk_allocator *a);
uint64_t hk_lru_trim(struct hk_allocator *a, uint64_t now, uint64_t delay);
void hk_ss_unmap(struct hk_allocator *a, hk_ss *ss);

#endif
