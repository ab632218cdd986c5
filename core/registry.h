/*
 * registry.h - which memory is ours: a two-level map from 1 MiB address
 * granules to the owner of each granule.
 *
 * An entry is the address of the SuperSlab covering the granule with
 * HK_REG_SS added, or a large object's header address with HK_REG_LARGE
 * added, or 0 when hakmem owns nothing there: free's fast path tells a
 * SuperSlab from everything else by one bit.  The granule is fixed
 * (SuperSlabs are at least 1 MiB and aligned to their size, so each
 * covers whole granules) so that a lookup shifts and masks by constants.
 * Lookups take no lock and make no system call, so free() identifies any
 * pointer in O(1), including pointers hakmem never handed out.  Entries
 * change only under the pool or large-object lock; leaves are never freed
 * before the allocator itself.
 */
#ifndef HK_REGISTRY_H
#define HK_REGISTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HK_REG_SHIFT 20     /* 1 MiB granules */
#define HK_REG_TOP_SHIFT 36 /* each leaf covers 64 GiB */
#define HK_REG_TOP 4096     /* 48-bit user address space */
#define HK_REG_LEAF_MASK (((uintptr_t)1 << (HK_REG_TOP_SHIFT - HK_REG_SHIFT)) - 1)
#define HK_REG_LEAF_BYTES ((HK_REG_LEAF_MASK + 1) * sizeof(uintptr_t))
#define HK_REG_LARGE 1u
#define HK_REG_SS 2u
/* hot_first before any window has a leaf: no granule is this far above */
#define HK_REG_NO_HOT ((uintptr_t)1 << 63)

typedef struct hk_registry {
    /* The first window given a leaf, as the number of its first granule
     * (or HK_REG_NO_HOT), and its leaf: nearly every lookup of a process
     * lands there, and then costs one subtraction, one compare and one
     * dependent load. */
    _Atomic uintptr_t hot_first;
    _Atomic(_Atomic uintptr_t *) hot_leaf;
    _Atomic(_Atomic uintptr_t *) top[HK_REG_TOP];
} hk_registry;

/* r: zero-filled. */
void hk_registry_init(hk_registry *r);
/* Unmap every leaf. */
void hk_registry_destroy(hk_registry *r);
/* Set the entries of the granules of [p, p + bytes), which lies within
 * one 64 GiB window; returns -1 if a leaf could not be mapped. */
int hk_registry_set(hk_registry *r, const void *p, size_t bytes,
                    uintptr_t entry);

/* The entry for p, or 0; also before hk_registry_init, as long as the
 * registry is all zeroes. */
uintptr_t hk_registry_get(hk_registry *r, uintptr_t p);

/* The entry for p if p lies in the hot window, else 0 (then ask
 * hk_registry_get): the fast path's lookup, one dependent load.  Only for
 * a registry that hk_registry_init has set up. */
static inline uintptr_t hk_registry_get_hot(hk_registry *r, uintptr_t p)
{
    /* hot_first is published after hot_leaf: whoever sees it sees both. */
    uintptr_t i = (p >> HK_REG_SHIFT) -
                  atomic_load_explicit(&r->hot_first, memory_order_acquire);
    if (__builtin_expect(i > HK_REG_LEAF_MASK, 0))
        return 0;
    _Atomic uintptr_t *leaf =
        atomic_load_explicit(&r->hot_leaf, memory_order_relaxed);
    return atomic_load_explicit(&leaf[i], memory_order_relaxed);
}

#endif
