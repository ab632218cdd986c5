/*
 * registry.c - leaves of the ownership map are mapped on first use; a
 * process whose memory sits in one 64 GiB window needs one leaf.
 */
#include "registry.h"

#include "os.h"

void hk_registry_init(hk_registry *r)
{
    atomic_init(&r->hot_first, HK_REG_NO_HOT);
}

void hk_registry_destroy(hk_registry *r)
{
    for (unsigned i = 0; i < HK_REG_TOP; i++) {
        _Atomic uintptr_t *leaf =
            atomic_load_explicit(&r->top[i], memory_order_relaxed);
        if (leaf)
            hk_os_unmap((void *)leaf, HK_REG_LEAF_BYTES);
        atomic_store_explicit(&r->top[i], NULL, memory_order_relaxed);
    }
    atomic_store_explicit(&r->hot_first, HK_REG_NO_HOT, memory_order_relaxed);
    atomic_store_explicit(&r->hot_leaf, NULL, memory_order_relaxed);
}

uintptr_t hk_registry_get(hk_registry *r, uintptr_t p)
{
    uintptr_t top = p >> HK_REG_TOP_SHIFT;
    _Atomic uintptr_t *leaf =
        top < HK_REG_TOP
            ? atomic_load_explicit(&r->top[top], memory_order_acquire)
            : NULL;
    return leaf ? atomic_load_explicit(
                      &leaf[(p >> HK_REG_SHIFT) & HK_REG_LEAF_MASK],
                      memory_order_relaxed)
                : 0;
}

int hk_registry_set(hk_registry *r, const void *p, size_t bytes,
                    uintptr_t entry)
{
    uintptr_t a = (uintptr_t)p, top = a >> HK_REG_TOP_SHIFT;
    if (top >= HK_REG_TOP)
        return -1;
    _Atomic uintptr_t *leaf =
        atomic_load_explicit(&r->top[top], memory_order_relaxed);
    if (!leaf) {
        if (!entry)
            return 0;
        _Atomic uintptr_t *fresh = hk_os_map(HK_REG_LEAF_BYTES, HK_OS_PAGE);
        if (!fresh)
            return -1;
        /* The pool and the large-object cache set entries under different
         * locks, so two first uses of a window can race. */
        if (atomic_compare_exchange_strong_explicit(
                &r->top[top], &leaf, fresh, memory_order_acq_rel,
                memory_order_acquire)) {
            leaf = fresh;
            _Atomic uintptr_t *no_leaf = NULL;
            if (atomic_compare_exchange_strong_explicit(
                    &r->hot_leaf, &no_leaf, fresh, memory_order_relaxed,
                    memory_order_relaxed))
                atomic_store_explicit(
                    &r->hot_first, top << (HK_REG_TOP_SHIFT - HK_REG_SHIFT),
                    memory_order_release);
        } else {
            hk_os_unmap((void *)fresh, HK_REG_LEAF_BYTES);
        }
    }
    uintptr_t first = (a >> HK_REG_SHIFT) & HK_REG_LEAF_MASK;
    uintptr_t n = (bytes + ((uintptr_t)1 << HK_REG_SHIFT) - 1) >> HK_REG_SHIFT;
    hk_os_touch((const void *)&leaf[first], n * sizeof *leaf);
    for (uintptr_t i = 0; i < n; i++)
        atomic_store_explicit(&leaf[first + i], entry, memory_order_relaxed);
    return 0;
}
