/*
 * assoc.h - one set-associative array with LRU replacement: the caching
 * device that tlb.c instantiates once per TLB level and page size, and
 * dcache.c once per cache level.
 *
 * An entry is named by a number (a page, a line) and a kind below 2 (for
 * a TLB the size class, 0: 4 KiB, 1: 2 MiB; a cache has one kind, 0).
 * Both go into the stored key, so an array shared by two kinds never
 * confuses one's entry n with the other's.  An entry's set is its number
 * modulo the number of sets, a power of two, so neighbouring numbers land
 * in neighbouring sets.  Each set keeps the invariants of lru_set.h.
 *
 * An array of 0 entries is absent: it never hits and drops its fills.
 * The array counts nothing; its caller keeps the statistics.
 */
#ifndef HK_ASSOC_H
#define HK_ASSOC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct hk_assoc {
    uint64_t *keys;    /* sets * ways keys, one set after another */
    uint64_t set_mask; /* sets - 1 */
    uint32_t ways;     /* 0 when the array is absent */
} hk_assoc;

/*
 * Make an empty array of `entries` entries in sets of `ways`: none, or a
 * power-of-two number of sets (hk_tlb_config_check, hk_dcache_config_check
 * ensure it).  Returns 0, or -1 when out of memory.
 */
int hk_assoc_init(hk_assoc *c, uint32_t entries, uint32_t ways);
void hk_assoc_fini(hk_assoc *c);

/* Whether the entry is held; a hit makes it the most recently used. */
bool hk_assoc_lookup(hk_assoc *c, uint64_t number, unsigned kind);

/*
 * Insert an entry that is not held, as its set's most recently used.
 * Returns whether that evicted a valid one.
 */
bool hk_assoc_fill(hk_assoc *c, uint64_t number, unsigned kind);

/* Drop every held entry of `kind` numbered first..last. */
void hk_assoc_invalidate(hk_assoc *c, uint64_t first, uint64_t last,
                         unsigned kind);

/* Empty the slot `way` of set `set`, each taken modulo the array's;
 * whether it held an entry. */
bool hk_assoc_drop(hk_assoc *c, uint64_t set, uint64_t way);

/* Empty every slot; the number of entries held. */
uint64_t hk_assoc_clear(hk_assoc *c);

/* The slots, sets times ways. */
static inline uint64_t hk_assoc_slots(const hk_assoc *c)
{
    return c->ways ? (c->set_mask + 1) * c->ways : 0;
}

#endif
