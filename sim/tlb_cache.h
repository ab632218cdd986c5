/*
 * tlb_cache.h - one TLB array: a set-associative store of translations
 * with LRU replacement, the caching device that tlb.c instantiates once
 * per level and page size.
 *
 * A translation is named by its page number and its size class (0: 4 KiB,
 * 1: 2 MiB).  Both go into the stored key, so an array shared by the two
 * sizes never confuses 4 KiB page n with 2 MiB page n.  A translation's set
 * is its page number modulo the number of sets, a power of two, so
 * neighbouring pages land in neighbouring sets.  Each set keeps the
 * invariants of lru_set.h.
 *
 * An array of 0 entries is absent: it never hits and drops its fills.
 * The array counts nothing; its caller keeps the statistics.
 */
#ifndef HK_TLB_CACHE_H
#define HK_TLB_CACHE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct hk_tlb_cache {
    uint64_t *keys;    /* sets * ways keys, one set after another */
    uint64_t set_mask; /* sets - 1 */
    uint32_t ways;     /* 0 when the array is absent */
} hk_tlb_cache;

/*
 * Make an empty array of `entries` translations in sets of `ways`; the
 * geometry is valid (hk_tlb_config_check).  Returns 0, or -1 when out of
 * memory.
 */
int hk_tlb_cache_init(hk_tlb_cache *c, uint32_t entries, uint32_t ways);
void hk_tlb_cache_fini(hk_tlb_cache *c);

/* Whether the translation is held; a hit makes it the most recently used. */
bool hk_tlb_cache_lookup(hk_tlb_cache *c, uint64_t page, unsigned huge);

/*
 * Insert a translation that is not held, as its set's most recently used.
 * Returns whether that evicted a valid one.
 */
bool hk_tlb_cache_fill(hk_tlb_cache *c, uint64_t page, unsigned huge);

/* Drop every held translation of size class `huge` for pages first..last. */
void hk_tlb_cache_invalidate(hk_tlb_cache *c, uint64_t first, uint64_t last,
                             unsigned huge);

#endif
