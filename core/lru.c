/*
 * lru.c - the cache of empty SuperSlabs.
 *
 * An empty SuperSlab stays mapped, most recently emptied first, so that a
 * program growing again reuses it instead of mapping a new one; beyond
 * lru_cap the least recently emptied is unmapped.  Its free units are
 * purged like any others, so a cached SuperSlab costs address space, not
 * resident memory, once purge_delay has passed.
 */
#include "alloc.h"

void hk_lru_push(hk_allocator *a, hk_ss *ss)
{
    hk_pool *pool = &a->pool;
    if (a->params.lru_cap == 0) {
        hk_ss_unmap(a, ss);
        return;
    }
    HK_ASSERT(pool->lru_count <= a->params.lru_cap);
    if (pool->lru_count == a->params.lru_cap) {
        hk_ss *old = hk_list_entry(hk_list_last(&pool->lru), hk_ss, link);
        hk_list_remove(&pool->lru, &old->link);
        pool->lru_count--;
        pool->stats.ss_evicted++;
        hk_ss_unmap(a, old);
    }
    hk_list_push_front(&pool->lru, &ss->link);
    pool->lru_count++;
    pool->stats.ss_cached++;
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
