/*
 * superslab.c - moving blocks between a slab and the caches in front of
 * it.  Remote frees are a lock-free push; the owner takes the whole remote
 * list with one exchange, so neither side ever waits for the other.
 */
#include "superslab.h"

#include "heap.h"

unsigned hk_slab_take(hk_slab *s, void **out, unsigned n)
{
    unsigned got = 0;
    while (got < n && s->free) {
        void *b = s->free;
        hk_os_touch(b, sizeof(void *));
        s->free = *(void **)b;
        out[got++] = b;
    }
    while (got < n && s->bump + s->size <= s->end) {
        out[got++] = s->bump;
        s->bump += s->size;
    }
    s->used += got;
    return got;
}

void hk_slab_put_remote(hk_slab *s, void *p)
{
    void *head = atomic_load_explicit(&s->remote, memory_order_relaxed);
    hk_os_touch(p, sizeof(void *));
    do {
        *(void **)p = head;
    } while (!atomic_compare_exchange_weak_explicit(
        &s->remote, &head, p, memory_order_release, memory_order_relaxed));
    struct hk_heap *owner =
        atomic_load_explicit(&s->owner, memory_order_relaxed);
    if (owner)
        atomic_fetch_add_explicit(&owner->remote_hint[s->cls], 1,
                                  memory_order_relaxed);
}

unsigned hk_slab_drain_remote(hk_slab *s)
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
