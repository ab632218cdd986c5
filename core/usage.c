/*
 * usage.c - walking the pool and the large cache for hk_alloc_usage
 * (usage.h).  Slow by design (every SuperSlab and live large block is
 * visited); it runs when a program asks, never on an allocation path.
 * Front caches of other live threads are read without their owners'
 * cooperation, so a figure taken while they allocate is approximate.
 */
#include "usage.h"

#include <string.h>

#include "alloc.h"

/* The slab s, whose units begin at base: its blocks handed out (to the
 * program or a cache), its free ones, what lies past its carved blocks,
 * and the SuperSlab header before its first block, if any. */
static void slab_usage(const hk_allocator *a, const hk_slab *s,
                       uintptr_t base, hk_usage *u)
{
    uint64_t carved = (uint64_t)(s->bump - s->start) / s->size;
    uintptr_t end = base + ((uintptr_t)s->units << a->unit_shift);
    u->small_in_use += (uint64_t)s->used * s->size;
    u->slab_free += (carved - s->used) * s->size;
    u->uncarved += end - ((uintptr_t)s->start + carved * s->size);
    u->unused += (uintptr_t)s->start - base;
}

static void small_usage(hk_allocator *a, hk_usage *u)
{
    hk_pool *pool = &a->pool;
    u->lru_superslabs = pool->lru_count;
    hk_list_foreach(n, &pool->all) {
        const hk_ss *ss = hk_list_entry(n, hk_ss, all_link);
        u->superslabs++;
        for (unsigned i = 0; i < a->units; i++) {
            if (ss->unit[i].cls == HK_CLASS_NONE)
                u->unused += (uint64_t)1 << a->unit_shift;
            else if (ss->unit[i].head == i)
                slab_usage(a, &ss->slabs[i],
                           (uintptr_t)ss + ((uintptr_t)i << a->unit_shift),
                           u);
        }
    }
    for (const hk_heap *h = pool->heaps; h; h = h->next) {
        if (!hk_heap_holds_blocks(h))
            continue;
        u->front_cached += h->outbox_bytes;
        for (unsigned c = 0; c < HK_CLASSES; c++)
            u->front_cached += (uint64_t)h->front[c].count * a->cls[c].size;
    }
    u->ss_bytes = u->superslabs * a->params.ss_size;
    u->small_in_use -= u->front_cached;
    u->small_free = u->slab_free + u->uncarved + u->unused;
}

static void large_usage(hk_large *l, hk_usage *u)
{
    hk_list_foreach(n, &l->live) {
        const hk_large_hdr *h = hk_list_entry(n, hk_large_hdr, link);
        u->large_bytes += h->bytes;
        if (hk_large_kept(h))
            continue; /* free, kept by its thread (keep.h) */
        u->large_blocks++;
        u->large_in_use += hk_large_usable(h);
    }
    u->large_cached = l->spans.count;
    u->large_bytes += l->stats.cached_bytes;
    u->large_free = u->large_bytes - u->large_in_use;
}

void hk_alloc_usage(hk_allocator *a, hk_usage *out)
{
    memset(out, 0, sizeof *out);
    hk_lock_acquire(&a->pool.lock);
    small_usage(a, out);
    hk_lock_release(&a->pool.lock);
    hk_lock_acquire(&a->large.lock);
    large_usage(&a->large, out);
    hk_lock_release(&a->large.lock);
}
