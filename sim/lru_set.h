/*
 * lru_set.h - LRU replacement within one set of a set-associative array
 * (sim/assoc.c, the array both the TLB and the data caches use).
 *
 * A set is `ways` slots of keys kept in recency order rather than beside
 * age stamps, so no clock can overflow and the victim needs no search.
 *
 * Invariants of a set:
 *  - the valid keys form a prefix, most recently used first, least
 *    recently used last;
 *  - every slot after that prefix holds HK_LRU_SET_EMPTY;
 *  - no key appears twice, and no valid key equals HK_LRU_SET_EMPTY.
 *
 * A hit moves its key to the front; a fill shifts everything back one slot
 * and drops whatever was in the last, which is the least recently used
 * key or, while the set has room, an empty slot.  Hot keys sit in the
 * first slots, so a lookup that hits usually stops after one or two.
 *
 * A miss reads every slot, and a fully associative first-level TLB has
 * 64 to 96 of them: the search compares four keys per branch and the
 * shifts are block moves, which keeps a miss to a few dozen instructions
 * rather than a few hundred.
 */
#ifndef HK_LRU_SET_H
#define HK_LRU_SET_H

#include <stdint.h>
#include <string.h>

#define HK_LRU_SET_EMPTY UINT64_MAX

/* Empty n slots: one set, or every set of an array at once. */
static inline void hk_lru_set_clear(uint64_t *slots, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        slots[i] = HK_LRU_SET_EMPTY;
}

/* The slot holding key, or -1. */
static inline int64_t hk_lru_set_find(const uint64_t *set, uint32_t ways,
                                      uint64_t key)
{
    uint32_t i = 0;
    for (; i + 4 <= ways; i += 4)
        if ((set[i] == key) | (set[i + 1] == key) | (set[i + 2] == key) |
            (set[i + 3] == key))
            break;
    for (; i < ways; i++)
        if (set[i] == key)
            return i;
    return -1;
}

/* Make the key in slot i the most recently used. */
static inline void hk_lru_set_promote(uint64_t *set, uint32_t i)
{
    uint64_t key = set[i];
    memmove(set + 1, set, i * sizeof *set);
    set[0] = key;
}

/*
 * Insert key, which is not in the set, as the most recently used.  Returns
 * the key pushed out of the last slot: the evicted one, or
 * HK_LRU_SET_EMPTY when the set had room.
 */
static inline uint64_t hk_lru_set_insert(uint64_t *set, uint32_t ways,
                                         uint64_t key)
{
    uint64_t out = set[ways - 1];
    memmove(set + 1, set, (ways - 1) * sizeof *set);
    set[0] = key;
    return out;
}

/* Drop the key in slot i, keeping the others in their order. */
static inline void hk_lru_set_remove(uint64_t *set, uint32_t ways, uint32_t i)
{
    memmove(set + i, set + i + 1, (ways - 1 - i) * sizeof *set);
    set[ways - 1] = HK_LRU_SET_EMPTY;
}

#endif
