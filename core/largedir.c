/*
 * largedir.c - directories of large blocks (see largedir.h), carved from
 * regions of REGION_BYTES and kept on a free list while unused.
 *
 * Invariants (under the large-block lock): a granule's ownership entry
 * names a directory exactly when some slot of that directory is set, and
 * `used` counts those slots; a directory on the free list has none set.
 */
#include "largedir.h"

#include "debug.h"

#define REGION_BYTES ((size_t)64 << 10)
/* A region's first directory starts after the link to the next region,
 * at the directories' own alignment. */
#define REGION_HEAD sizeof(hk_largedir *)
#define PER_REGION ((REGION_BYTES - REGION_HEAD) / sizeof(hk_largedir))

/* A directory with no slot set, or NULL when no region could be mapped.
 * Regions are carved one directory at a time, so a program with few
 * large blocks touches only the pages it uses. */
static hk_largedir *dir_new(hk_largedirs *d)
{
    hk_largedir *dir = d->free;
    if (dir) {
        d->free = dir->next;
        return dir;
    }
    if (d->carved == PER_REGION || !d->regions) {
        char *region = hk_os_map(REGION_BYTES, HK_OS_PAGE);
        if (!region)
            return NULL;
        *(void **)region = d->regions;
        d->regions = region;
        d->carved = 0;
    }
    return (hk_largedir *)((char *)d->regions + REGION_HEAD) + d->carved++;
}

int hk_largedir_add(hk_registry *r, hk_largedirs *d, struct hk_large_hdr *h,
                    const void *user)
{
    uintptr_t e = hk_registry_get(r, (uintptr_t)user);
    hk_largedir *dir = (hk_largedir *)(e & ~(uintptr_t)HK_REG_LARGE);
    if (!e) {
        if (!(dir = dir_new(d)))
            return -1;
        if (hk_registry_set(r, user, 1, (uintptr_t)dir | HK_REG_LARGE)) {
            dir->next = d->free;
            d->free = dir;
            return -1;
        }
    }
    HK_ASSERT(e == 0 || (e & HK_REG_LARGE));
    HK_ASSERT(!hk_largedir_at((uintptr_t)dir | HK_REG_LARGE, user));
    atomic_store_explicit(&dir->slot[hk_largedir_slot_of(user)], h,
                          memory_order_relaxed);
    dir->used++;
    return 0;
}

void hk_largedir_remove(hk_registry *r, hk_largedirs *d, const void *user)
{
    uintptr_t e = hk_registry_get(r, (uintptr_t)user);
    hk_largedir *dir = (hk_largedir *)(e & ~(uintptr_t)HK_REG_LARGE);
    HK_ASSERT((e & HK_REG_LARGE) && hk_largedir_at(e, user));
    atomic_store_explicit(&dir->slot[hk_largedir_slot_of(user)], NULL,
                          memory_order_relaxed);
    if (--dir->used)
        return;
    hk_registry_set(r, user, 1, 0);
    dir->next = d->free;
    d->free = dir;
}

void hk_largedir_destroy(hk_largedirs *d)
{
    while (d->regions) {
        void *region = d->regions;
        d->regions = *(void **)region;
        hk_os_unmap(region, REGION_BYTES);
    }
    d->free = NULL;
    d->carved = 0;
}
