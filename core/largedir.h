/*
 * largedir.h - which large block a pointer starts: the ownership map's
 * entry for a granule that holds the user pointer of any large block
 * names a directory with one slot per page of that granule, and a slot
 * names the block whose user pointer lies in that page.
 *
 * Large blocks are packed at page granularity, so one granule may hold
 * the starts of several of them; two user pointers never share a page,
 * as every block spans at least one whole page and its user pointer lies
 * inside it.  Lookups take no lock: one more dependent load than a
 * SuperSlab's, paid only by free and realloc of large blocks.  Slots and
 * directories change only under the large-block lock; a directory that
 * empties is unregistered and reused, never unmapped before the
 * allocator itself.
 */
#ifndef HK_LARGEDIR_H
#define HK_LARGEDIR_H

#include <stdatomic.h>
#include <stdint.h>

#include "os.h"
#include "registry.h"

#define HK_LARGEDIR_SLOTS (((size_t)1 << HK_REG_SHIFT) / HK_OS_PAGE)

struct hk_large_hdr;

typedef struct hk_largedir {
    _Atomic(struct hk_large_hdr *) slot[HK_LARGEDIR_SLOTS];
    unsigned used;                /* slots that name a block */
    struct hk_largedir *next;     /* on the free list, when unused */
} hk_largedir;

/* The directories of one allocator: those free, and the regions they
 * were carved from. */
typedef struct hk_largedirs {
    hk_largedir *free;
    void *regions;  /* the newest first; a region's first word links the
                       next */
    size_t carved;  /* directories carved from the newest region */
} hk_largedirs;

/* Register h's block under the page of its user pointer, which no block
 * is registered under; -1 when no directory could be mapped. */
int hk_largedir_add(hk_registry *r, hk_largedirs *d, struct hk_large_hdr *h,
                    const void *user);
/* Unregister the block registered under user's page. */
void hk_largedir_remove(hk_registry *r, hk_largedirs *d, const void *user);
/* Unmap every directory, as the allocator goes. */
void hk_largedir_destroy(hk_largedirs *d);

/* The slot of p's page in its granule's directory. */
static inline size_t hk_largedir_slot_of(const void *p)
{
    return (uintptr_t)p / HK_OS_PAGE % HK_LARGEDIR_SLOTS;
}

/* The block registered under p's page, given p's ownership entry e, which
 * has HK_REG_LARGE set: NULL when none is. */
static inline struct hk_large_hdr *hk_largedir_at(uintptr_t e, const void *p)
{
    const hk_largedir *dir =
        (const hk_largedir *)(e & ~(uintptr_t)HK_REG_LARGE);
    return atomic_load_explicit(&dir->slot[hk_largedir_slot_of(p)],
                                memory_order_relaxed);
}

#endif
