/*
 * registry.h - which memory is ours: a two-level map from address
 * granules (one per SuperSlab-sized, SuperSlab-aligned piece of address
 * space) to the owner of that granule.
 *
 * An entry is the SuperSlab's address, or a large object's header address
 * with bit 0 set, or 0 when hakmem owns nothing there.  Lookups take no
 * lock and make no system call, so free() identifies any pointer in O(1),
 * including pointers hakmem never handed out.  Entries change only under
 * the pool or large-object lock; leaves are never freed before the
 * allocator itself.
 */
#ifndef HK_REGISTRY_H
#define HK_REGISTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HK_REG_TOP_SHIFT 36 /* each leaf covers 64 GiB */
#define HK_REG_TOP 4096     /* 48-bit user address space */
#define HK_REG_LARGE 1u

typedef struct hk_registry {
    unsigned shift;     /* log2 of the granule (= SuperSlab size) */
    uintptr_t leaf_mask;
    size_t leaf_bytes;
    _Atomic(_Atomic uintptr_t *) top[HK_REG_TOP];
} hk_registry;

void hk_registry_init(hk_registry *r, unsigned shift);
/* Unmap every leaf. */
void hk_registry_destroy(hk_registry *r);
/* Set the entry of p's granule; returns -1 if a leaf could not be mapped. */
int hk_registry_set(hk_registry *r, const void *p, uintptr_t entry);

static inline uintptr_t hk_registry_get(const hk_registry *r, uintptr_t p)
{
    uintptr_t top = p >> HK_REG_TOP_SHIFT;
    if (__builtin_expect(top >= HK_REG_TOP, 0))
        return 0;
    _Atomic uintptr_t *leaf =
        atomic_load_explicit(&((hk_registry *)r)->top[top],
                             memory_order_acquire);
    if (__builtin_expect(!leaf, 0))
        return 0;
    return atomic_load_explicit(&leaf[(p >> r->shift) & r->leaf_mask],
                                memory_order_relaxed);
}

#endif
