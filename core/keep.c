/*
 * keep.c - a thread's kept large blocks (see keep.h).
 *
 * Invariants (owner thread only): block[0..count) are live large blocks
 * with `kept` set, oldest first; bytes is the sum of their spans' bytes,
 * at most keep_most().
 */
#include "keep.h"

#include <string.h>

#include "alloc.h"
#include "os.h"

/* Only the owner writes k; the statistics read its counters from other
 * threads, so the owner stores them whole. */
static void add(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

static void remove_at(hk_keep *k, unsigned i)
{
    add(&k->bytes, -k->block[i]->bytes);
    memmove(&k->block[i], &k->block[i + 1],
            (k->count - i - 1) * sizeof k->block[0]);
    k->count--;
}

void *hk_keep_take(hk_keep *k, size_t n, size_t align)
{
    for (unsigned i = k->count; i-- > 0;) {
        hk_large_hdr *h = k->block[i];
        char *user = (char *)h + h->offset;
        size_t need = hk_large_need(n, h->offset);
        if (((uintptr_t)user & (align - 1)) || !need || h->bytes < need ||
            !hk_spans_takes_whole(h->bytes, need))
            continue;
        remove_at(k, i);
        hk_large_set_kept(h, false);
        add(&k->counts.hits, 1);
        return user;
    }
    return NULL;
}

/* The oldest kept block goes to the large cache. */
static void give_back_oldest(hk_allocator *a, hk_keep *k)
{
    hk_large_hdr *h = k->block[0];
    remove_at(k, 0);
    hk_large_set_kept(h, false);
    hk_large_free(a, h);
}

/* The bytes a keep holds at most: HK_KEEP_BYTES, or a share of a
 * quarter of large_cache among the live threads where that is less, so
 * that large_cache=0 keeps nothing and all the keeps of a program with
 * many threads hold no more than that quarter. */
static size_t keep_most(const hk_allocator *a)
{
    uint32_t threads = atomic_load_explicit(&a->pool.heaps_live,
                                            memory_order_relaxed);
    size_t share = a->params.large_cache / 4 / (threads ? threads : 1);
    return share < HK_KEEP_BYTES ? share : HK_KEEP_BYTES;
}

int hk_keep_put(hk_allocator *a, hk_keep *k, hk_large_hdr *h)
{
    size_t most = keep_most(a);
    if (h->bytes > most / 2)
        return 0;
    while (k->count == HK_KEEP_BLOCKS || k->bytes + h->bytes > most)
        give_back_oldest(a, k);
    hk_large_set_kept(h, true);
    k->block[k->count++] = h;
    add(&k->bytes, h->bytes);
    add(&k->counts.kept, 1);
    return 1;
}

void hk_keep_flush(hk_allocator *a, hk_keep *k)
{
    while (k->count)
        give_back_oldest(a, k);
}

void hk_keep_tick(hk_allocator *a, hk_keep *k, uint64_t now)
{
    uint64_t ops = k->counts.kept + k->counts.hits;
    if (ops != k->seen) {
        k->seen = ops;
        k->active_at = now;
    } else if (k->count &&
               now - k->active_at >= a->params.purge_delay * 1000000ull) {
        hk_keep_flush(a, k);
    }
}
