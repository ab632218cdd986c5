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
    if (pool->lru_count == a->params.lru_cap) {
        hk_ss *old = pool->lru_tail;
        pool->lru_tail = old->prev;
        if (pool->lru_tail)
            pool->lru_tail->next = NULL;
        else
            pool->lru_head = NULL;
        pool->lru_count--;
        pool->stats.ss_evicted++;
        hk_ss_unmap(a, old);
    }
    ss->where = HK_SS_LRU;
    ss->prev = NULL;
    ss->next = pool->lru_head;
    if (pool->lru_head)
        pool->lru_head->prev = ss;
    else
        pool->lru_tail = ss;
    pool->lru_head = ss;
    pool->lru_count++;
    pool->stats.ss_cached++;
}

hk_ss *hk_lru_pop(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    hk_ss *ss = pool->lru_head;
    if (!ss)
        return NULL;
    pool->lru_head = ss->next;
    if (pool->lru_head)
        pool->lru_head->prev = NULL;
    else
        pool->lru_tail = NULL;
    pool->lru_count--;
    return ss;
}
