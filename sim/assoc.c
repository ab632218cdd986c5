/*
 * assoc.c - one set-associative array: set selection, lookup, fill,
 * invalidation, emptying.
 *
 * Keys are number << 1 | kind; lru_set.h keeps each set in recency order.
 * Numbers are below 2^58 (a 64-bit address shifted by at least 6, a line's
 * or a page's), so no key collides with HK_LRU_SET_EMPTY.
 */
#include "assoc.h"

#include <stdlib.h>

#include "lru_set.h"

static uint64_t key_of(uint64_t number, unsigned kind)
{
    return number << 1 | kind;
}

static uint64_t *set_of(const hk_assoc *c, uint64_t number)
{
    return c->keys + (number & c->set_mask) * c->ways;
}

int hk_assoc_init(hk_assoc *c, uint32_t entries, uint32_t ways)
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

void hk_assoc_fini(hk_assoc *c)
{
    free(c->keys);
    c->keys = NULL;
    c->ways = 0;
}

bool hk_assoc_lookup(hk_assoc *c, uint64_t number, unsigned kind)
{
    if (c->ways == 0)
        return false;
    uint64_t *set = set_of(c, number);
    int64_t i = hk_lru_set_find(set, c->ways, key_of(number, kind));
    if (i < 0)
        return false;
    hk_lru_set_promote(set, (uint32_t)i);
    return true;
}

bool hk_assoc_fill(hk_assoc *c, uint64_t number, unsigned kind)
{
    if (c->ways == 0)
        return false;
    uint64_t out = hk_lru_set_insert(set_of(c, number), c->ways,
                                     key_of(number, kind));
    return out != HK_LRU_SET_EMPTY;
}

/* Few numbers: look each one up in its own set. */
static void invalidate_each(hk_assoc *c, uint64_t first, uint64_t last,
                            unsigned kind)
{
    for (uint64_t n = first;; n++) {
        uint64_t *set = set_of(c, n);
        int64_t i = hk_lru_set_find(set, c->ways, key_of(n, kind));
        if (i >= 0)
            hk_lru_set_remove(set, c->ways, (uint32_t)i);
        if (n == last)
            return;
    }
}

/*
 * Many numbers: visit every slot once.  A key is in the range when its
 * distance above the range's first key is even (same size class) and at
 * most the range's span; an empty slot is never that close.  Going from
 * the last slot down, a removal shifts only slots already visited.
 */
static void invalidate_all(hk_assoc *c, uint64_t first, uint64_t last,
                           unsigned kind)
{
    uint64_t lo = key_of(first, kind), span = (last - first) << 1;
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
 * Probing costs ways per number and a full pass costs every entry, so
 * probe while the range has no more numbers than the array has sets.
 */
void hk_assoc_invalidate(hk_assoc *c, uint64_t first, uint64_t last,
                         unsigned kind)
{
    if (c->ways == 0)
        return;
    if (last - first <= c->set_mask)
        invalidate_each(c, first, last, kind);
    else
        invalidate_all(c, first, last, kind);
}

bool hk_assoc_drop(hk_assoc *c, uint64_t set, uint64_t way)
{
    if (c->ways == 0)
        return false;
    uint64_t *slots = c->keys + (set & c->set_mask) * c->ways;
    uint32_t i = (uint32_t)(way % c->ways);
    if (slots[i] == HK_LRU_SET_EMPTY)
        return false;
    hk_lru_set_remove(slots, c->ways, i);
    return true;
}

uint64_t hk_assoc_clear(hk_assoc *c)
{
    uint64_t n = hk_assoc_slots(c), held = 0;
    for (uint64_t i = 0; i < n; i++)
        held += c->keys[i] != HK_LRU_SET_EMPTY;
    hk_lru_set_clear(c->keys, (uint32_t)n);
    return held;
}
