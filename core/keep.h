/*
 * keep.h - the few large blocks a thread freed last, kept for its next
 * large allocations.
 *
 * The large-block lock is shared by every thread, and a block of a few
 * hundred kilobytes is freed and allocated again about as often as a
 * small one by a program that replaces such blocks: four threads doing so
 * spent a fifth of their time in the large path, most of it waiting for
 * the lock.  A thread's heap therefore keeps up to HK_KEEP_BLOCKS freed
 * large blocks, HK_KEEP_BYTES in all (its share of a quarter of
 * large_cache among the live threads where that is less), each at most
 * half of that, as they are: still registered in the ownership map and
 * on the list of live blocks, with `kept` set in the header so that a
 * second free of one is still caught.  An allocation that one of them
 * holds with little waste takes it with no lock and no system call;
 * anything else goes to the large cache (large.h), where a kept block
 * goes too when a newer one displaces it, when the thread exits, on
 * malloc_trim, and once the thread has not used its kept blocks for
 * purge_delay (seen at its ticks).  Only the owning thread touches its
 * keep.
 */
#ifndef HK_KEEP_H
#define HK_KEEP_H

#include <stddef.h>
#include <stdint.h>

#include "large.h"

/* Two threads replacing blocks of 100 to 400 KB, a quarter freed by the
 * other thread, found the block they wanted kept in 68% of their
 * allocations with 8 blocks and 4 MiB, in 49% with 4 and 2 MiB, and ran
 * 6% faster for it; their peak RSS grew by 1%. */
#define HK_KEEP_BLOCKS 8
#define HK_KEEP_BYTES ((size_t)4 << 20)

struct hk_allocator;

/* What a keep did: frees it kept, allocations it served. */
typedef struct hk_keep_counts {
    uint64_t kept, hits;
} hk_keep_counts;

typedef struct hk_keep {
    hk_large_hdr *block[HK_KEEP_BLOCKS]; /* oldest first */
    unsigned count;
    uint64_t bytes;
    hk_keep_counts counts;
    uint64_t seen;      /* kept + hits at the last tick that changed it */
    uint64_t active_at; /* ... and when */
} hk_keep;

/* k's counts and bytes, read from any thread while k's owner runs. */
static inline hk_keep_counts hk_keep_counts_of(const hk_keep *k)
{
    return (hk_keep_counts){
        __atomic_load_n(&k->counts.kept, __ATOMIC_RELAXED),
        __atomic_load_n(&k->counts.hits, __ATOMIC_RELAXED)};
}

/* The user pointer of a kept block that holds n bytes aligned to align
 * (a power of two) wasting at most a quarter of them, taken out of k;
 * NULL when none does. */
void *hk_keep_take(hk_keep *k, size_t n, size_t align);

/* Keep h's block, freed by k's thread, giving the oldest kept ones back
 * to the large cache to make room; 0 when it is too large to keep. */
int hk_keep_put(struct hk_allocator *a, hk_keep *k, hk_large_hdr *h);

/* Give every kept block back to the large cache. */
void hk_keep_flush(struct hk_allocator *a, hk_keep *k);

/* The heap's tick (alloc.h): kept blocks the thread has not used for
 * purge_delay go back to the large cache, where they decay. */
void hk_keep_tick(struct hk_allocator *a, hk_keep *k, uint64_t now);

#endif
