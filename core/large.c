/*
 * large.c - large blocks and the cache of their mappings.
 *
 * Invariants: every live large block is on `live` and registered under
 * the granule of its user pointer with HK_REG_LARGE set; a cached mapping
 * is registered nowhere, so freeing it again is caught as an invalid
 * pointer.  The cache is ordered by the time of free, oldest first.
 */
#include "large.h"

#include <string.h>

#include "alloc.h"
#include "os.h"

void hk_large_init(hk_large *l)
{
    memset(l, 0, sizeof *l);
}

/* Round a mapping size to one of eight steps per power of two. */
static size_t large_round(size_t bytes)
{
    size_t step = HK_OS_PAGE;
    unsigned top = 63u - (unsigned)__builtin_clzl(bytes);
    if (top > 15)
        step = (size_t)1 << (top - 3);
    return (bytes + step - 1) & ~(step - 1);
}

/* Under the lock: the invariants above, and the counts that follow the
 * live list and the cache (bytes live, bytes cached, within their bounds). */
static void large_verify(hk_allocator *a)
{
    hk_large *l = &a->large;
    size_t live = 0, cached = 0;
    hk_list_foreach(n, &l->live) {
        hk_large_hdr *h = hk_list_entry(n, hk_large_hdr, link);
        HK_ASSERT(hk_registry_get(&a->registry, (uintptr_t)h + h->offset) ==
                  ((uintptr_t)h | HK_REG_LARGE));
        live += h->map_bytes;
    }
    HK_ASSERT(live == l->stats.live_bytes);
    HK_ASSERT(l->cached <= HK_LARGE_CACHE_SLOTS);
    for (unsigned i = 0; i < l->cached; i++)
        cached += l->cache[i].bytes;
    HK_ASSERT(cached == l->cached_bytes && cached <= a->params.large_cache);
}

static void cache_remove(hk_large *l, unsigned i)
{
    l->cached_bytes -= l->cache[i].bytes;
    memmove(&l->cache[i], &l->cache[i + 1],
            (l->cached - i - 1) * sizeof l->cache[0]);
    l->cached--;
}

static void cache_evict_oldest(hk_allocator *a)
{
    hk_large *l = &a->large;
    hk_os_unmap(l->cache[0].base, l->cache[0].bytes);
    l->stats.unmapped++;
    cache_remove(l, 0);
}

void *hk_large_alloc(hk_allocator *a, size_t n, size_t align, int zero)
{
    hk_large *l = &a->large;
    size_t offset = align > HK_LARGE_HEADER ? align : HK_LARGE_HEADER;
    if (n > SIZE_MAX / 2 - offset)
        return NULL;
    size_t bytes = large_round(offset + n);
    size_t ss_size = a->params.ss_size;
    size_t map_align = align > ss_size ? align : ss_size;
    char *base = NULL;
    int fresh = 1;

    hk_lock_acquire(&l->lock);
    l->stats.allocs++;
    if (align <= ss_size)
        for (unsigned i = l->cached; i-- > 0;)
            if (l->cache[i].bytes == bytes) {
                base = l->cache[i].base;
                fresh = l->cache[i].purged;
                cache_remove(l, i);
                l->stats.cache_hits++;
                break;
            }
    hk_lock_release(&l->lock);

    if (!base) {
        base = hk_os_map(bytes, map_align);
        if (!base)
            return NULL;
        hk_lock_acquire(&l->lock);
        l->stats.cache_misses++;
        l->stats.mapped++;
        hk_lock_release(&l->lock);
    }
    hk_large_hdr *h = (hk_large_hdr *)base;
    char *user = base + offset;
    if (zero && !fresh)
        memset(user, 0, n);
    hk_os_touch(h, sizeof *h);
    h->map_bytes = bytes;
    h->offset = offset;

    hk_lock_acquire(&l->lock);
    if (hk_registry_set(&a->registry, user, 1,
                        (uintptr_t)h | HK_REG_LARGE) != 0) {
        hk_lock_release(&l->lock);
        hk_os_unmap(base, bytes);
        return NULL;
    }
    hk_list_push_front(&l->live, &h->link);
    l->stats.live_bytes += bytes;
    if (l->stats.live_bytes > l->stats.peak_bytes)
        l->stats.peak_bytes = l->stats.live_bytes;
    if (HK_DEBUG)
        large_verify(a);
    hk_lock_release(&l->lock);
    return user;
}

void hk_large_free(hk_allocator *a, hk_large_hdr *h)
{
    hk_large *l = &a->large;
    size_t bytes = h->map_bytes;
    uint64_t now = hk_os_now_ns();

    hk_lock_acquire(&l->lock);
    hk_registry_set(&a->registry, (char *)h + h->offset, 1, 0);
    hk_list_remove(&l->live, &h->link);
    l->stats.frees++;
    l->stats.live_bytes -= bytes;

    if (bytes > a->params.large_cache) {
        hk_lock_release(&l->lock);
        hk_os_unmap(h, bytes);
        hk_lock_acquire(&l->lock);
        l->stats.unmapped++;
        hk_lock_release(&l->lock);
        return;
    }
    while (l->cached == HK_LARGE_CACHE_SLOTS ||
           l->cached_bytes + bytes > a->params.large_cache)
        cache_evict_oldest(a);
    l->cache[l->cached++] = (hk_large_slot){h, bytes, now, 0};
    l->cached_bytes += bytes;
    if (HK_DEBUG)
        large_verify(a);
    hk_lock_release(&l->lock);
    hk_large_purge(a, 0);
}

size_t hk_large_purge(hk_allocator *a, int force)
{
    hk_large *l = &a->large;
    uint64_t now = hk_os_now_ns();
    uint64_t delay = a->params.purge_delay * 1000000ull;
    size_t purged = 0;
    hk_lock_acquire(&l->lock);
    for (unsigned i = 0; i < l->cached; i++) {
        hk_large_slot *s = &l->cache[i];
        if (s->purged || (!force && now - s->freed_at < delay))
            continue;
        hk_os_purge(s->base, s->bytes);
        s->purged = 1;
        l->stats.purged++;
        l->stats.purged_bytes += s->bytes;
        purged += s->bytes;
    }
    hk_lock_release(&l->lock);
    return purged;
}

void hk_large_destroy(hk_allocator *a)
{
    hk_large *l = &a->large;
    while (l->cached)
        cache_evict_oldest(a);
    hk_list_foreach(n, &l->live) {
        hk_large_hdr *h = hk_list_entry(n, hk_large_hdr, link);
        hk_os_unmap(h, h->map_bytes);
    }
    hk_list_init(&l->live);
}
