/*
 * superslab.c - moving blocks between a slab and the caches in front of
 * it.  Remote frees push a whole chain of blocks with one compare-and-swap;
 * the owner takes the whole remote list with one exchange, so neither side
 * ever waits for the other, and neither pays an atomic per block.  Blocks
 * leaving a list are checked as block.h and hk_slab_take describe.
 */
#include "superslab.h"

#include "heap.h"

/* A block b leaving a list, with its next pointer. */
static void check_free_block(const hk_slab *s, void *b, void *next,
                             unsigned check)
{
    if (check == HK_PTR_CHECK_NEVER)
        return;
    if (!hk_block_is_marked(b) ||
        (check == HK_PTR_CHECK_ALWAYS && next &&
         !hk_slab_is_block(s, (uintptr_t)next)))
        hk_os_fatal("malloc(): corrupted free block", b);
}

/* free() accepts the blocks below the bump from now on. */
static void grid_carved(hk_slab *s)
{
    hk_ss *ss = s->ss;
    uint64_t lim = hk_grid_lim(s->size, (uint64_t)(s->bump - s->start) /
                                            s->size);
    hk_os_touch(&ss->unit[s->first_unit], s->units * sizeof ss->unit[0]);
    for (unsigned u = s->first_unit; u < s->first_unit + s->units; u++)
        atomic_store_explicit(&ss->unit[u].grid_lim, lim, memory_order_relaxed);
}

unsigned hk_slab_take(hk_slab *s, void **top, unsigned n, unsigned check)
{
    void **out = top, **stop = top - n;
    void *b = s->free;
    while (out != stop && b) {
        hk_os_touch(b, sizeof(void *));
        void *next = *(void **)b;
        check_free_block(s, b, next, check);
        *--out = b;
        b = next;
    }
    s->free = b;
    if (out != stop && s->bump + s->size <= s->end) {
        char *bump = s->bump;
        size_t size = s->size;
        /* Writing a fresh block's mark faults its page in: carve no
         * further than the pages the first fresh block covers, which its
         * new owner is about to touch anyway. */
        char *reach = (char *)hk_os_page_up((uintptr_t)bump + size);
        while (out != stop && bump + size <= s->end &&
               bump + HK_BLOCK_MARK_END <= reach) {
            hk_block_set_free(bump);
            *--out = bump;
            bump += size;
        }
        s->bump = bump;
        grid_carved(s);
    }
    unsigned got = (unsigned)(top - out);
    s->used += got;
    return got;
}

void hk_slab_put_remote(hk_slab *s, void *head, void *tail)
{
    void *old = atomic_load_explicit(&s->remote, memory_order_relaxed);
    hk_os_touch(tail, sizeof(void *));
    do {
        *(void **)tail = old;
    } while (!atomic_compare_exchange_weak_explicit(
        &s->remote, &old, head, memory_order_release, memory_order_relaxed));
    struct hk_heap *owner =
        atomic_load_explicit(&s->owner, memory_order_relaxed);
    if (owner)
        atomic_fetch_add_explicit(&owner->remote_hint[s->cls], 1,
                                  memory_order_relaxed);
}

unsigned hk_slab_drain_remote(hk_slab *s, unsigned check)
{
    if (!atomic_load_explicit(&s->remote, memory_order_relaxed))
        return 0;
    void *list = atomic_exchange_explicit(&s->remote, NULL,
                                          memory_order_acquire);
    unsigned n = 0;
    void *tail = list;
    for (;;) {
        n++;
        hk_os_touch(tail, sizeof(void *));
        void *next = *(void **)tail;
        check_free_block(s, tail, next, check);
        if (!next)
            break;
        tail = next;
    }
    HK_ASSERT(s->used >= n);
    *(void **)tail = s->free;
    s->free = list;
    s->used -= n;
    return n;
}

/* Follow one list from head for p (see superslab.h). */
static int list_holds(void *head, const void *p, uintptr_t start,
                      uintptr_t end, uint32_t size)
{
    uint64_t left = size ? (end - start) / size : 0;
    for (void *q = head; q && left; left--) {
        uintptr_t at = (uintptr_t)q;
        if (q == p)
            return 1;
        if (at < start || at >= end || (at - start) % size)
            return 0;
        hk_os_touch(q, sizeof(void *));
        q = __atomic_load_n((void **)q, __ATOMIC_RELAXED);
    }
    return 0;
}

int hk_slab_lists_hold(const hk_slab *s, const void *p)
{
    uintptr_t start = (uintptr_t)__atomic_load_n(&s->start, __ATOMIC_RELAXED);
    uintptr_t end = (uintptr_t)__atomic_load_n(&s->end, __ATOMIC_RELAXED);
    uint32_t size = __atomic_load_n(&s->size, __ATOMIC_RELAXED);
    hk_os_touch(s, sizeof *s);
    return list_holds(__atomic_load_n(&s->free, __ATOMIC_RELAXED), p, start,
                      end, size) ||
           list_holds(atomic_load_explicit(&s->remote, memory_order_acquire),
                      p, start, end, size);
}
