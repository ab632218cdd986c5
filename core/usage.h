/*
 * usage.h - how much memory an allocator holds and how much of it the
 * program is using, counted by walking its structures under their locks:
 * the figures behind mallinfo2(), malloc_stats() and malloc_info().
 *
 * Invariant: small_in_use + front_cached + small_free = ss_bytes, where
 * small_free = slab_free + uncarved + unused, each part counted on its
 * own (so the sum checks the walk); and large_in_use + large_free =
 * large_bytes.  A block freed by another thread and not yet
 * taken back by its owner counts as in use, as does one in the
 * quarantine of ptr_check=always.  The split of small_free says why a
 * peak RSS exceeds the program's own: slab_free is memory only its class
 * can reuse, unused is memory any class can (until it is purged), and
 * uncarved is mostly never touched.
 */
#ifndef HK_USAGE_H
#define HK_USAGE_H

#include <stdint.h>

struct hk_allocator;

typedef struct hk_usage {
    uint64_t superslabs;   /* SuperSlabs mapped (in use, free or cached) */
    uint64_t ss_bytes;     /* their bytes */
    uint64_t small_in_use; /* bytes of small blocks the program holds */
    uint64_t front_cached; /* bytes of blocks in the threads' front caches
                              and outboxes (heap.h) */
    uint64_t small_free;   /* the rest of ss_bytes, in three parts: */
    uint64_t slab_free;    /* free blocks on their slabs' free lists */
    uint64_t uncarved;     /* slab bytes never cut into blocks, and the
                              tails past their last blocks */
    uint64_t unused;       /* free units, headers, cached SuperSlabs */
    uint64_t lru_superslabs; /* empty SuperSlabs kept for reuse */
    uint64_t large_blocks; /* live large blocks */
    uint64_t large_cached; /* freed large mappings kept for reuse */
    uint64_t large_bytes;  /* bytes mapped for both */
    uint64_t large_in_use; /* usable bytes of the live ones */
    uint64_t large_free;   /* the rest of large_bytes */
} hk_usage;

void hk_alloc_usage(struct hk_allocator *a, hk_usage *out);

#endif
