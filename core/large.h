/*
 * large.h - blocks above the largest size class get a mapping of their
 * own, with a header at its start, registered in the ownership map.
 *
 * Freed mappings are kept in a small cache (large_cache bytes at most) and
 * reused by any later request whose rounded size matches, so a loop of
 * large malloc/free maps once.  Cached mappings are purged after
 * purge_delay and unmapped when the cache overflows.  Sizes are rounded up
 * to eight steps per power of two so that nearby sizes share mappings.
 */
#ifndef HK_LARGE_H
#define HK_LARGE_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "lock.h"
#include "stats.h"

#define HK_LARGE_HEADER 64u
#define HK_LARGE_CACHE_SLOTS 64

struct hk_allocator;

typedef struct hk_large_hdr {
    size_t map_bytes;
    size_t offset; /* user pointer - mapping start */
    hk_link link; /* on the list of live large blocks */
} hk_large_hdr;

typedef struct hk_large_slot {
    void *base;
    size_t bytes;
    uint64_t freed_at;
    int purged;
} hk_large_slot;

typedef struct hk_large {
    hk_lock lock;
    hk_list live;
    hk_large_slot cache[HK_LARGE_CACHE_SLOTS]; /* oldest first */
    unsigned cached;
    size_t cached_bytes;
    hk_large_stats stats;
} hk_large;

void hk_large_init(hk_large *l);
void hk_large_destroy(struct hk_allocator *a);

/* n bytes aligned to align (a power of two); zeroed when zero is set. */
void *hk_large_alloc(struct hk_allocator *a, size_t n, size_t align, int zero);
void hk_large_free(struct hk_allocator *a, hk_large_hdr *h);

static inline size_t hk_large_usable(const hk_large_hdr *h)
{
    return h->map_bytes - h->offset;
}

/* Purge cached mappings idle for purge_delay (all when force); the bytes
 * purged. */
size_t hk_large_purge(struct hk_allocator *a, int force);

#endif
