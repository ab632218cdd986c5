/*
 * registry.c - leaves of the ownership map are mapped on first use; a
 * process whose memory sits in one 64 GiB window needs one leaf.
 */
#include "registry.h"

#include "os.h"

void hk_registry_init(hk_registry *r, unsigned shift)
{
    r->shift = shift;
    r->leaf_mask = ((uintptr_t)1 << (HK_REG_TOP_SHIFT - shift)) - 1;
    r->leaf_bytes = ((size_t)1 << (HK_REG_TOP_SHIFT - shift)) *
                    sizeof(uintptr_t);
    for (unsigned i = 0; i < HK_REG_TOP; i++)
        atomic_init(&r->top[i], NULL);
}

void hk_registry_destroy(hk_registry *r)
{
    for (unsigned i = 0; i < HK_REG_TOP; i++) {
        _Atomic uintptr_t *leaf =
            atomic_load_explicit(&r->top[i], memory_order_relaxed);
        if (leaf)
            hk_os_unmap((void *)leaf, r->leaf_bytes);
        atomic_store_explicit(&r->top[i], NULL, memory_order_relaxed);
    }
}

int hk_registry_set(hk_registry *r, const void *p, uintptr_t entry)
{
    uintptr_t a = (uintptr_t)p, top = a >> HK_REG_TOP_SHIFT;
    if (top >= HK_REG_TOP)
        return -1;
    _Atomic uintptr_t *leaf =
        atomic_load_explicit(&r->top[top], memory_order_relaxed);
    if (!leaf) {
        if (!entry)
            return 0;
        _Atomic uintptr_t *fresh = hk_os_map(r->leaf_bytes, HK_OS_PAGE);
        if (!fresh)
            return -1;
        /* The pool and the large-object cache set entries under different
         * locks, so two first uses of a window can race. */
        if (atomic_compare_exchange_strong_explicit(
                &r->top[top], &leaf, fresh, memory_order_acq_rel,
                memory_order_acquire))
            leaf = fresh;
        else
            hk_os_unmap((void *)fresh, r->leaf_bytes);
    }
    hk_os_touch((const void *)&leaf[(a >> r->shift) & r->leaf_mask],
                sizeof *leaf);
    atomic_store_explicit(&leaf[(a >> r->shift) & r->leaf_mask], entry,
                          memory_order_relaxed);
    return 0;
}
