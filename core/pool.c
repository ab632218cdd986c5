/*
 * pool.c - SuperSlabs: mapping them, carving slabs out of their units,
 * taking slabs back, adopting abandoned slabs, purging free units.
 *
 * Invariants (under pool->lock):
 *  - a SuperSlab is on `all` from map to unmap, and on exactly one of: a
 *    partial list (some unit free, some in use), no list (every unit in
 *    use), or the LRU (every unit free);
 *  - free_units and unit_cls agree: a unit is free iff its class is NONE;
 *  - dirty_units is a subset of free_units.
 */
#include "pool.h"

#include <string.h>

#include "alloc.h"
#include "heap.h"

#define NEVER UINT64_MAX

void hk_pool_init(hk_pool *pool)
{
    memset(pool, 0, sizeof *pool);
    pool->next_purge = NEVER;
}

static uint64_t all_units(const hk_allocator *a)
{
    return a->units == 64 ? ~0ull : ((1ull << a->units) - 1);
}

static uint64_t span_bits(unsigned first, unsigned units)
{
    return (units == 64 ? ~0ull : ((1ull << units) - 1)) << first;
}

static hk_ss **partial_list(hk_allocator *a, unsigned c)
{
    return &a->pool.partial[a->params.shared_pool ? 0 : c];
}

static void ss_link(hk_ss **head, hk_ss *ss)
{
    ss->prev = NULL;
    ss->next = *head;
    if (*head)
        (*head)->prev = ss;
    *head = ss;
}

static void ss_unlink(hk_ss **head, hk_ss *ss)
{
    if (ss->prev)
        ss->prev->next = ss->next;
    else
        *head = ss->next;
    if (ss->next)
        ss->next->prev = ss->prev;
}

static void ss_reset(hk_allocator *a, hk_ss *ss, unsigned c)
{
    hk_os_touch(ss, sizeof *ss);
    memset(ss->unit_cls, HK_CLASS_NONE, sizeof ss->unit_cls);
    ss->free_units = all_units(a);
    ss->cls = (uint8_t)c;
}

/* Map 1 + prewarm SuperSlabs in one call; the extra ones go to the LRU. */
static hk_ss *ss_map(hk_allocator *a, unsigned c)
{
    hk_pool *pool = &a->pool;
    uint64_t room = a->params.lru_cap > pool->lru_count
                        ? a->params.lru_cap - pool->lru_count
                        : 0;
    uint64_t n = 1 + (a->params.prewarm < room ? a->params.prewarm : room);
    char *base = hk_os_map(n * a->ss_size, a->ss_size);
    if (!base)
        return NULL;
    for (uint64_t i = 0; i < n; i++) {
        hk_ss *ss = (hk_ss *)(base + i * a->ss_size);
        if (hk_registry_set(&a->registry, ss, a->ss_size, (uintptr_t)ss) != 0) {
            hk_os_unmap(base + i * a->ss_size, (n - i) * a->ss_size);
            if (i == 0)
                return NULL;
            n = i;
            break;
        }
        ss_reset(a, ss, c);
        ss->dirty_units = 0;
        ss->all_prev = NULL;
        ss->all_next = pool->all;
        if (pool->all)
            pool->all->all_prev = ss;
        pool->all = ss;
    }
    pool->stats.ss_mapped += n;
    pool->stats.ss_live += n;
    if (pool->stats.ss_live > pool->stats.ss_peak)
        pool->stats.ss_peak = pool->stats.ss_live;
    pool->class_stats[c].ss_mapped += n;
    for (uint64_t i = 1; i < n; i++)
        hk_lru_push(a, (hk_ss *)(base + i * a->ss_size));
    return (hk_ss *)base;
}

void hk_ss_unmap(hk_allocator *a, hk_ss *ss)
{
    hk_pool *pool = &a->pool;
    if (ss->all_prev)
        ss->all_prev->all_next = ss->all_next;
    else
        pool->all = ss->all_next;
    if (ss->all_next)
        ss->all_next->all_prev = ss->all_prev;
    hk_registry_set(&a->registry, ss, a->ss_size, 0);
    hk_os_unmap(ss, a->ss_size);
    pool->stats.ss_unmapped++;
    pool->stats.ss_live--;
}

/* First unit of `units` contiguous free units, or -1. */
static int find_span(const hk_ss *ss, unsigned units, unsigned total)
{
    uint64_t want = span_bits(0, units);
    for (unsigned u = 0; u + units <= total; u++)
        if (((ss->free_units >> u) & want) == want)
            return (int)u;
    return -1;
}

static hk_slab *slab_carve(hk_allocator *a, hk_ss *ss, unsigned first,
                           unsigned c)
{
    const hk_class_info *ci = &a->cls[c];
    uint64_t bits = span_bits(first, ci->units);
    size_t unit = (size_t)1 << a->unit_shift;
    hk_slab *s = &ss->slabs[first];
    hk_os_touch(s, sizeof *s);
    for (unsigned u = first; u < first + ci->units; u++) {
        ss->unit_cls[u] = (uint8_t)c;
        ss->unit_head[u] = (uint8_t)first;
    }
    ss->free_units &= ~bits;
    ss->dirty_units &= ~bits;
    char *lo = (char *)ss + first * unit + (first == 0 ? HK_SS_HEADER : 0);
    char *hi = (char *)ss + (first + ci->units) * unit;
    s->start = s->bump = lo;
    s->end = lo + (size_t)(hi - lo) / ci->size * ci->size;
    s->free = NULL;
    atomic_store_explicit(&s->remote, NULL, memory_order_relaxed);
    s->ss = ss;
    s->used = 0;
    s->size = ci->size;
    s->cls = (uint8_t)c;
    s->first_unit = (uint8_t)first;
    s->units = (uint8_t)ci->units;
    return s;
}

static hk_slab *adopt(hk_allocator *a, hk_heap *h, unsigned c)
{
    hk_slab *s = a->pool.abandoned[c];
    if (!s)
        return NULL;
    a->pool.abandoned[c] = s->next;
    if (s->next)
        s->next->prev = NULL;
    atomic_store_explicit(&s->owner, h, memory_order_relaxed);
    hk_slab_drain_remote(s);
    h->stats[c].slabs_adopted++;
    return s;
}

static hk_slab *carve_new(hk_allocator *a, unsigned c)
{
    hk_pool *pool = &a->pool;
    hk_ss **list = partial_list(a, c);
    unsigned units = a->cls[c].units;
    hk_ss *ss;
    int first = -1;
    for (ss = *list; ss; ss = ss->next)
        if ((first = find_span(ss, units, a->units)) >= 0)
            break;
    if (!ss) {
        ss = hk_lru_pop(a);
        if (ss) {
            pool->class_stats[c].lru_hits++;
            ss_reset(a, ss, c);
        } else {
            pool->class_stats[c].lru_misses++;
            ss = ss_map(a, c);
            if (!ss)
                return NULL;
        }
        ss->where = HK_SS_PARTIAL;
        ss_link(list, ss);
        first = find_span(ss, units, a->units);
    }
    hk_slab *s = slab_carve(a, ss, (unsigned)first, c);
    if (!ss->free_units) {
        ss_unlink(list, ss);
        ss->where = HK_SS_FULL;
    }
    return s;
}

static void purge_due(hk_allocator *a, uint64_t now);

hk_slab *hk_pool_acquire_slab(hk_allocator *a, hk_heap *h, unsigned c)
{
    hk_pool *pool = &a->pool;
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&pool->lock);
    hk_slab *s = adopt(a, h, c);
    if (!s && (s = carve_new(a, c)) != NULL)
        atomic_store_explicit(&s->owner, h, memory_order_relaxed);
    if (s)
        h->stats[c].slabs_acquired++;
    purge_due(a, now);
    hk_lock_release(&pool->lock);
    return s;
}

static void release_locked(hk_allocator *a, hk_slab *s, uint64_t now)
{
    hk_pool *pool = &a->pool;
    hk_ss *ss = s->ss;
    uint64_t bits = span_bits(s->first_unit, s->units);
    hk_os_touch(ss, sizeof ss->unit_cls);
    memset(&ss->unit_cls[s->first_unit], HK_CLASS_NONE, s->units);
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    s->where = HK_SLAB_UNUSED;
    int was_full = ss->free_units == 0;
    ss->free_units |= bits;
    if (!ss->dirty_units)
        ss->dirty_since = now;
    ss->dirty_units |= bits;
    if (ss->dirty_since + a->params.purge_delay * 1000000ull <
        pool->next_purge)
        pool->next_purge =
            ss->dirty_since + a->params.purge_delay * 1000000ull;
    hk_ss **list = partial_list(a, ss->cls);
    if (was_full) {
        ss->where = HK_SS_PARTIAL;
        ss_link(list, ss);
    }
    if (ss->free_units == all_units(a)) {
        ss_unlink(list, ss);
        hk_lru_push(a, ss);
    }
}

void hk_pool_release_slab(hk_allocator *a, hk_slab *s)
{
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    release_locked(a, s, now);
    purge_due(a, now);
    hk_lock_release(&a->pool.lock);
}

void hk_pool_abandon_slab(hk_allocator *a, hk_slab *s)
{
    hk_pool *pool = &a->pool;
    hk_lock_acquire(&pool->lock);
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    s->where = HK_SLAB_ABANDONED;
    s->prev = NULL;
    s->next = pool->abandoned[s->cls];
    if (s->next)
        s->next->prev = s;
    pool->abandoned[s->cls] = s;
    hk_lock_release(&pool->lock);
}

/* Abandoned slabs emptied by remote frees go back to their SuperSlabs. */
static void reclaim_abandoned(hk_allocator *a, uint64_t now)
{
    for (unsigned c = 0; c < HK_CLASSES; c++)
        for (hk_slab *s = a->pool.abandoned[c], *next; s; s = next) {
            next = s->next;
            hk_slab_drain_remote(s);
            if (s->used)
                continue;
            if (s->prev)
                s->prev->next = s->next;
            else
                a->pool.abandoned[c] = s->next;
            if (s->next)
                s->next->prev = s->prev;
            release_locked(a, s, now);
        }
}

static void purge_ss(hk_allocator *a, hk_ss *ss)
{
    size_t unit = (size_t)1 << a->unit_shift;
    uint64_t d = ss->dirty_units;
    while (d) {
        unsigned lo = (unsigned)__builtin_ctzll(d);
        unsigned hi = lo;
        while (hi < 64 && (d >> hi) & 1)
            hi++;
        d &= ~span_bits(lo, hi - lo);
        char *from = (char *)ss + lo * unit + (lo == 0 ? HK_SS_HEADER : 0);
        char *to = (char *)ss + hi * unit;
        hk_os_purge(from, (size_t)(to - from));
        a->pool.stats.ss_purged++;
        a->pool.stats.purged_bytes += (size_t)(to - from);
    }
    ss->dirty_units = 0;
}

static void purge_pass(hk_allocator *a, uint64_t now, int force)
{
    uint64_t delay = a->params.purge_delay * 1000000ull;
    uint64_t next = NEVER;
    reclaim_abandoned(a, now);
    for (hk_ss *ss = a->pool.all; ss; ss = ss->all_next) {
        if (!ss->dirty_units)
            continue;
        if (force || now - ss->dirty_since >= delay)
            purge_ss(a, ss);
        else if (ss->dirty_since + delay < next)
            next = ss->dirty_since + delay;
    }
    a->pool.next_purge = next;
}

static void purge_due(hk_allocator *a, uint64_t now)
{
    if (now >= a->pool.next_purge)
        purge_pass(a, now, 0);
}

size_t hk_pool_purge(hk_allocator *a, int force)
{
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    uint64_t before = a->pool.stats.purged_bytes;
    purge_pass(a, now, force);
    size_t purged = (size_t)(a->pool.stats.purged_bytes - before);
    hk_lock_release(&a->pool.lock);
    return purged;
}

void hk_pool_destroy(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    while (pool->all)
        hk_ss_unmap(a, pool->all);
    for (hk_heap *h = pool->heaps, *next; h; h = next) {
        next = h->next;
        hk_os_unmap(h, h->map_bytes);
    }
    pool->heaps = NULL;
}
