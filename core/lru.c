/*
 * lru.c - the cache of empty SuperSlabs.
 *
 * An empty SuperSlab stays mapped, most recently emptied first, so that a
 * program growing again reuses it instead of mapping a new one.  Up to
 * lru_cap of them stay for good; those beyond lru_cap are unmapped, oldest
 * first, once they have been empty for the pool's delay (purge_delay,
 * stretched while the program wants unmapped memory back: pool.c).
 * Unmapping them at once made a program whose use swings by more than
 * lru_cap SuperSlabs (bursts of 40 KiB blocks reaching 64 MiB, every few
 * milliseconds) map and fault in the same memory on every swing.  Cached
 * free units are purged like any others, so what stays costs address
 * space, not resident memory, once the delay has passed.  lru_cap=0 keeps
 * nothing: the old design.
 *
 * The list is in the order SuperSlabs were emptied (pushes and pops are at
 * the front, emptied_at never decreases from back to front), so its last
 * entry is always the one emptied longest ago.
 */
#include "alloc.h"

void hk_lru_push(hk_allocator *a, hk_ss *ss, uint64_t now)
{
    hk_pool *pool = &a->pool;
    if (a->params.lru_cap == 0) {
        hk_ss_unmap(a, ss);
        return;
    }
    /* Threads read the clock before taking the lock, so `now` may be a
     * little older than the front's time: the order must hold. */
    hk_link *front = hk_list_first(&pool->lru);
    uint64_t newest = front ? hk_list_entry(front, hk_ss, link)->emptied_at : 0;
    ss->emptied_at = now > newest ? now : newest;
    hk_list_push_front(&pool->lru, &ss->link);
    pool->lru_count++;
    pool->stats.ss_cached++;
    hk_pool_purge_by(pool, hk_lru_trim(a, now, pool->delay));
}

hk_ss *hk_lru_pop(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    hk_link *n = hk_list_pop_front(&pool->lru);
    HK_ASSERT(!n == !pool->lru_count);
    if (!n)
        return NULL;
    pool->lru_count--;
    return hk_list_entry(n, hk_ss, link);
}

uint64_t hk_lru_trim(hk_allocator *a, uint64_t now, uint64_t delay)
{
    hk_pool *pool = &a->pool;
    while (pool->lru_count > a->params.lru_cap) {
        hk_ss *old = hk_list_entry(hk_list_last(&pool->lru), hk_ss, link);
        if (now - old->emptied_at < delay)
            return old->emptied_at + delay;
        hk_list_remove(&pool->lru, &old->link);
        pool->lru_count--;
        pool->stats.ss_evicted++;
        pool->evicted_since = old->emptied_at;
        pool->evicted_at = now;
        hk_ss_unmap(a, old);
    }
    return UINT64_MAX;
}
