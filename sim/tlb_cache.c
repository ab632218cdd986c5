/*
 * tlb_cache.c - one TLB array: set selection, lookup, fill, invalidation.
 *
 * Keys are page << 1 | huge; lru_set.h keeps each set in recency order.
 * Page numbers are below 2^52 (a 64-bit address shifted by at least 12),
 * so no key collides with HK_LRU_SET_EMPTY.
 */
#include "tlb_cache.h"

#include <stdlib.h>

#include "lru_set.h"

static uint64_t key_of(uint64_t page, unsigned huge)
{
    return page << 1 | huge;
}

static uint64_t *set_of(const hk_tlb_cache *c, uint64_t page)
{
    return c->keys + (page & c->set_mask) * c->ways;
}

int hk_tlb_cache_init(hk_tlb_cache *c, uint32_t entries, uint32_t ways)
{
    c->keys = NULL;
    c->set_mask = 0;
    c->ways = 0;
    if (entries == 0)
        return 0;
    c->keys = malloc(entries * sizeof *c->keys);
    if (!c->keys)
        return -1;
    hk_lru_set_clear(c->keys, entries);
    c->set_mask = entries / ways - 1;
    c->ways = ways;
    return 0;
}

void hk_tlb_cache_fini(hk_tlb_cache *c)
{
    free(c->keys);
    c->keys = NULL;
    c->ways = 0;
}

bool hk_tlb_cache_lookup(hk_tlb_cache *c, uint64_t page, unsigned huge)
{
    if (c->ways == 0)
        return false;
    uint64_t *set = set_of(c, page);
    int64_t i = hk_lru_set_find(set, c->ways, key_of(page, huge));
    if (i < 0)
        return false;
    hk_lru_set_promote(set, (uint32_t)i);
    return true;
}

bool hk_tlb_cache_fill(hk_tlb_cache *c, uint64_t page, unsigned huge)
{
    if (c->ways == 0)
        return false;
    uint64_t out = hk_lru_set_insert(set_of(c, page), c->ways,
                                     key_of(page, huge));
    return out != HK_LRU_SET_EMPTY;
}

/* Few pages: look each one up in its own set. */
static void invalidate_each(hk_tlb_cache *c, uint64_t first, uint64_t last,
                            unsigned huge)
{
    for (uint64_t page = first;; page++) {
        uint64_t *set = set_of(c, page);
        int64_t i = hk_lru_set_find(set, c->ways, key_of(page, huge));
        if (i >= 0)
            hk_lru_set_remove(set, c->ways, (uint32_t)i);
        if (page == last)
            return;
    }
}

/*
 * Many pages: visit every slot once.  A key is in the range when its
 * distance above the range's first key is even (same size class) and at
 * most the range's span; an empty slot is never that close.  Going from
 * the last slot down, a removal shifts only slots already visited.
 */
static void invalidate_all(hk_tlb_cache *c, uint64_t first, uint64_t last,
                           unsigned huge)
{
    uint64_t lo = key_of(first, huge), span = (last - first) << 1;
    for (uint64_t s = 0; s <= c->set_mask; s++) {
        uint64_t *set = c->keys + s * c->ways;
        for (uint32_t i = c->ways; i-- > 0;) {
            uint64_t d = set[i] - lo;
            if (d <= span && (d & 1) == 0)
                hk_lru_set_remove(set, c->ways, i);
        }
    }
}

/*
 * Probing costs ways per page and a full pass costs every entry, so probe
 * while the range has no more pages than the array has sets.
 */
void hk_tlb_cache_invalidate(hk_tlb_cache *c, uint64_t first, uint64_t last,
                             unsigned huge)
{
    if (c->ways == 0)
        return;
    if (last - first <= c->set_mask)
        invalidate_each(c, first, last, huge);
    else
        invalidate_all(c, first, last, huge);
}
