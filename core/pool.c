/*
 * pool.c - SuperSlabs: mapping them, carving slabs out of their units,
 * taking slabs back, adopting abandoned slabs, purging free units.
 *
 * Invariants (under pool->lock):
 *  - a SuperSlab is on `all` from map to unmap, and on exactly one of: a
 *    partial list (some unit free, some in use), no list (every unit in
 *    use), or the LRU (every unit free);
 *  - free_units and the units' cls agree: a unit is free iff its class is
 *    NONE;
 *  - dirty_units and purged_units are subsets of free_units, disjoint.
 *
 * Free memory waits `delay` before it is purged (and an empty SuperSlab
 * beyond lru_cap before it is unmapped): purge_delay at first.  When the
 * program wants purged or unmapped memory back within a delay of its
 * going, its cycle of use is longer than the delay, and every cycle
 * faults the same memory in again (about 8 us a page on some machines).
 * The delay then grows to twice the time the memory had been unused when
 * it was wanted back, and at least doubles, up to STRETCH_MAX
 * purge_delays, so that it spans the cycle; it halves back after
 * RELAX_AFTER delays in which nothing purged was wanted back.
 *
 * Idle time counts while the program runs, not while it sleeps (pause.h).
 * Eight rounds of 8,000 blocks of 8 to 32 KB, 150 ms apart
 * (experiments/bench/rounds.c), took 346,000 page faults, 92,000 with the
 * stretch alone (the first pause lost), and 47,300 with both (tcmalloc,
 * which returns nothing, 46,200).
 */
#include "pool.h"

#include "alloc.h"
#include "heap.h"

#define NEVER UINT64_MAX
#define STRETCH_MAX 16
#define RELAX_AFTER 8
/* New SuperSlabs ask for huge pages while at most 1/16 of the pages
 * sampled were not resident (take_into_use), and once 16 are mapped: the
 * one being filled is resident whole, and that is then a sixteenth more
 * at most too.  At 1/8, gawk's table of 400,000 lines (SuperSlabs 92 to
 * 95% resident) peaked 6% higher and sqlite3's table of 300,000 rows 8%
 * higher, for runs 15% and 13% shorter; perl's hash of 600,000 keys, 98
 * to 100% resident, is advised either way. */
#define POOL_HUGE_TOLERANCE 4
#define POOL_HUGE_MIN_SS (1u << POOL_HUGE_TOLERANCE)

static void set_delay(hk_pool *pool, uint64_t delay, uint64_t now)
{
    pool->delay = delay;
    pool->delay_set_at = now;
}

void hk_pool_init(hk_pool *pool, uint64_t delay_ns)
{
    hk_huge_init(&pool->huge, POOL_HUGE_TOLERANCE);
    hk_pool_set_next_purge(pool, NEVER);
    atomic_store_explicit(&pool->reap_at, NEVER, memory_order_relaxed);
    set_delay(pool, delay_ns, 0);
}

/* Memory unused since `idle`, purged or unmapped at `gone`, is wanted
 * back now.  Memory unused for longer than the delay shows the cycle at
 * once, and the delay grows to twice it then; otherwise the delay
 * doubles, at most once a delay, since one cycle of the program wants
 * back many units.  Waiting a delay before spanning a longer cycle let
 * 40 rounds of 800 blocks of 100 to 131 KB, 20 ms apart, purge and fault
 * in 23.7 to 26.5 MiB again, where now 11 MiB: 0.386 s then, 0.357 s
 * now, and 0.303 s under tcmalloc, which returns nothing. */
static void wanted_back(hk_allocator *a, uint64_t idle, uint64_t gone,
                        uint64_t now)
{
    hk_pool *pool = &a->pool;
    uint64_t most = a->params.purge_delay * 1000000ull * STRETCH_MAX;
    if (now - gone >= pool->delay || pool->delay >= most)
        return;
    /* Threads read the clock before the lock: `idle` may be later. */
    uint64_t unused = now > idle ? now - idle : 0;
    uint64_t want;
    if (unused > pool->delay)
        want = 2 * unused;
    else if (now - pool->delay_set_at >= pool->delay)
        want = 2 * pool->delay;
    else
        return;
    set_delay(pool, want < most ? want : most, now);
    pool->stats.delay_stretches++;
}

static void relax(hk_allocator *a, uint64_t now)
{
    hk_pool *pool = &a->pool;
    uint64_t least = a->params.purge_delay * 1000000ull;
    if (pool->delay > least &&
        now - pool->delay_set_at >= RELAX_AFTER * pool->delay)
        set_delay(pool, pool->delay / 2 > least ? pool->delay / 2 : least,
                  now);
}

static uint64_t all_units(const hk_allocator *a)
{
    return a->units == 64 ? ~0ull : ((1ull << a->units) - 1);
}

static uint64_t span_bits(unsigned first, unsigned units)
{
    return (units == 64 ? ~0ull : ((1ull << units) - 1)) << first;
}

static hk_list *partial_list(hk_allocator *a, unsigned c)
{
    return &a->pool.partial[a->params.shared_pool ? 0 : c];
}

/* A SuperSlab's unit accounting: the invariants above on free and dirty
 * units, and every unit in use covered by the slab its head names,
 * which has the unit's class. */
static void ss_verify(const hk_allocator *a, const hk_ss *ss)
{
    HK_ASSERT((ss->free_units & ~all_units(a)) == 0);
    HK_ASSERT((ss->dirty_units & ~ss->free_units) == 0);
    HK_ASSERT((ss->purged_units & ~ss->free_units) == 0);
    HK_ASSERT((ss->purged_units & ss->dirty_units) == 0);
    for (unsigned u = 0; u < a->units; u++) {
        int is_free = (ss->free_units >> u) & 1;
        HK_ASSERT(is_free == (ss->unit[u].cls == HK_CLASS_NONE));
        if (is_free)
            continue;
        const hk_slab *s = &ss->slabs[ss->unit[u].head];
        HK_ASSERT(s->ss == ss && s->first_unit == ss->unit[u].head);
        HK_ASSERT(s->first_unit <= u && u < s->first_unit + s->units);
        HK_ASSERT(s->cls == ss->unit[u].cls &&
                  s->units == a->cls[s->cls].units);
    }
}

/* The pool at rest, under its lock: the invariants at the top of this
 * file, counted.  Every SuperSlab on `all` is sound, their number is the
 * live count, the partial lists and the LRU hold exactly those with some
 * and with every unit free, the LRU's count is its length, and abandoned
 * slabs are ownerless and still hold blocks. */
static void pool_verify(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    uint64_t live = 0, partial = 0, empty = 0, on_partial = 0, on_lru = 0;
    hk_list_foreach(n, &pool->all) {
        hk_ss *ss = hk_list_entry(n, hk_ss, all_link);
        ss_verify(a, ss);
        live++;
        empty += ss->free_units == all_units(a);
        partial += ss->free_units && ss->free_units != all_units(a);
    }
    HK_ASSERT(live == pool->stats.ss_live);
    HK_ASSERT(live == pool->stats.ss_mapped - pool->stats.ss_unmapped);
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_list_foreach(n, &pool->partial[c]) {
            hk_ss *ss = hk_list_entry(n, hk_ss, link);
            HK_ASSERT(ss->free_units && ss->free_units != all_units(a));
            HK_ASSERT(partial_list(a, ss->cls) == &pool->partial[c]);
            on_partial++;
        }
        hk_list_foreach(n, &pool->abandoned[c]) {
            hk_slab *s = hk_slab_at(n);
            HK_ASSERT(!atomic_load_explicit(&s->owner, memory_order_relaxed));
            HK_ASSERT(s->cls == c && s->used > 0);
            HK_ASSERT(s->ss->unit[s->first_unit].cls == c);
        }
    }
    uint64_t later = UINT64_MAX;
    hk_list_foreach(n, &pool->lru) {
        hk_ss *ss = hk_list_entry(n, hk_ss, link);
        HK_ASSERT(ss->free_units == all_units(a) && ss->emptied_at <= later);
        later = ss->emptied_at;
        on_lru++;
    }
    HK_ASSERT(on_partial == partial);
    HK_ASSERT(on_lru == empty && on_lru == pool->lru_count);
}

/* Units [first, first + units) now belong to class c (or are free). */
static void set_class(hk_ss *ss, unsigned first, unsigned units, unsigned c)
{
    hk_os_touch(&ss->unit[first], units * sizeof ss->unit[0]);
    for (unsigned u = first; u < first + units; u++) {
        ss->unit[u].cls = (uint8_t)c;
        ss->unit[u].front = hk_front_at(c);
    }
}

static void ss_reset(hk_allocator *a, hk_ss *ss, unsigned c)
{
    hk_os_touch(ss, sizeof *ss);
    set_class(ss, 0, HK_SS_UNITS_MAX, HK_CLASS_NONE);
    ss->free_units = all_units(a);
    ss->cls = (uint8_t)c;
}

/* Whether SuperSlabs of `bytes` mapped now ask for huge pages. */
static bool ss_advise(hk_allocator *a, size_t bytes)
{
    hk_pool *pool = &a->pool;
    if (a->params.huge_pages == HK_HUGE_AUTO &&
        pool->stats.ss_live < POOL_HUGE_MIN_SS)
        return false;
    return hk_huge_advise(&pool->huge, a->params.huge_pages, bytes);
}

/* Map 1 + prewarm SuperSlabs in one call; the extra ones go to the LRU. */
static hk_ss *ss_map(hk_allocator *a, unsigned c, uint64_t now)
{
    hk_pool *pool = &a->pool;
    uint64_t room = a->params.lru_cap > pool->lru_count
                        ? a->params.lru_cap - pool->lru_count
                        : 0;
    uint64_t n = 1 + (a->params.prewarm < room ? a->params.prewarm : room);
    size_t bytes = a->params.ss_size;
    char *base = hk_os_map(n * bytes, bytes);
    if (!base)
        return NULL;
    bool asked = ss_advise(a, bytes);
    bool huge = hk_huge_map(&pool->huge, a->params.huge_pages, base,
                            n * bytes, asked);
    for (uint64_t i = 0; i < n; i++) {
        hk_ss *ss = (hk_ss *)(base + i * bytes);
        if (hk_registry_set(&a->registry, ss, bytes,
                            (uintptr_t)ss + HK_REG_SS) != 0) {
            hk_os_unmap(base + i * bytes, (n - i) * bytes);
            if (i == 0)
                return NULL;
            n = i;
            break;
        }
        if (i > 0)
            hk_huge_first_touch(&pool->huge, ss, huge);
        ss_reset(a, ss, c);
        ss->dirty_units = 0;
        ss->purged_units = 0;
        ss->advised = huge;
        hk_list_push_front(&pool->all, &ss->all_link);
    }
    pool->stats.huge_advised += huge ? n : 0;
    pool->stats.huge_dear += asked && !huge;
    pool->stats.ss_mapped += n;
    pool->stats.ss_live += n;
    if (pool->stats.ss_live > pool->stats.ss_peak)
        pool->stats.ss_peak = pool->stats.ss_live;
    pool->class_stats[c].ss_mapped += n;
    for (uint64_t i = 1; i < n; i++)
        hk_lru_push(a, (hk_ss *)(base + i * bytes), now);
    return (hk_ss *)base;
}

void hk_ss_unmap(hk_allocator *a, hk_ss *ss)
{
    hk_pool *pool = &a->pool;
    for (unsigned i = 0; i < 2; i++)
        if (pool->taken[i] == ss)
            pool->taken[i] = NULL;
    hk_list_remove(&pool->all, &ss->all_link);
    hk_registry_set(&a->registry, ss, a->params.ss_size, 0);
    hk_os_unmap(ss, a->params.ss_size);
    pool->stats.ss_unmapped++;
    pool->stats.ss_live--;
}

/* The units u for which all of [u, u + n) are in set. */
static uint64_t spans_within(uint64_t set, unsigned n)
{
    uint64_t m = set;
    for (unsigned i = 1; i < n; i++)
        m &= set >> i;
    return m;
}

/* How much of a free span is dirty, whose pages are resident: a slab
 * carved there faults fewer pages in, and the memory it reuses would
 * otherwise wait to be purged while fresh pages grow the footprint. */
enum span_tier { SPAN_CLEAN, SPAN_PART_DIRTY, SPAN_DIRTY };

/* The first unit of the first free span of `units` units in ss of the
 * best tier, the tier in *tier; -1 if no span is free.  free_units has no
 * bit past the last unit, so no span runs off the end. */
static int find_span(const hk_ss *ss, unsigned units, enum span_tier *tier)
{
    uint64_t free = spans_within(ss->free_units, units);
    if (!free)
        return -1;
    uint64_t dirty = free & spans_within(ss->dirty_units, units);
    /* some unit dirty: not all of them clean */
    uint64_t part = free & ~spans_within(~ss->dirty_units, units);
    *tier = dirty ? SPAN_DIRTY : part ? SPAN_PART_DIRTY : SPAN_CLEAN;
    return __builtin_ctzll(dirty ? dirty : part ? part : free);
}

static hk_slab *slab_carve(hk_allocator *a, hk_ss *ss, unsigned first,
                           unsigned c, uint64_t now)
{
    const hk_class_info *ci = &a->cls[c];
    uint64_t bits = span_bits(first, ci->units);
    size_t unit = (size_t)1 << a->unit_shift;
    hk_slab *s = &ss->slabs[first];
    HK_ASSERT((ss->free_units & bits) == bits);
    hk_os_touch(s, sizeof *s);
    char *lo = (char *)ss + first * unit + (first == 0 ? HK_SS_HEADER : 0);
    char *hi = (char *)ss + (first + ci->units) * unit;
    size_t blocks = (size_t)(hi - lo) / ci->size;
    uint64_t mul = hk_grid_mul(ci->size);
    set_class(ss, first, ci->units, c);
    for (unsigned u = first; u < first + ci->units; u++) {
        ss->unit[u].head = (uint8_t)first;
        ss->unit[u].grid_first = (uint32_t)(lo - (char *)ss);
        ss->unit[u].grid_mul = mul;
        atomic_store_explicit(&ss->unit[u].grid_lim, 0, memory_order_relaxed);
    }
    if (ss->purged_units & bits)
        wanted_back(a, ss->purged_since, ss->purged_at, now);
    ss->free_units &= ~bits;
    ss->dirty_units &= ~bits;
    ss->purged_units &= ~bits;
    s->start = s->bump = lo;
    s->end = lo + blocks * ci->size;
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
    hk_link *n = hk_list_pop_front(&a->pool.abandoned[c]);
    if (!n)
        return NULL;
    hk_slab *s = hk_slab_at(n);
    hk_slab_set_owner(s, h); /* its remote frees: drained by the refill */
    h->stats[c].slabs_adopted++;
    return s;
}

/* SuperSlabs with a free span that a new slab looks at: release_locked
 * moves a SuperSlab that gets units back to the front of its list, so
 * the dirty ones are among the first, and a slab costs a few looks, not
 * one per SuperSlab mapped. */
#define SPAN_LOOKS 4

/* The SuperSlab on list whose free span of `units` units is of the best
 * tier (find_span) among the first SPAN_LOOKS with one, the first such,
 * and the span's first unit in *first; or NULL. */
static hk_ss *ss_with_span(hk_list *list, unsigned units, int *first)
{
    hk_ss *best = NULL;
    enum span_tier top = SPAN_CLEAN;
    unsigned looks = 0;
    hk_list_foreach(n, list) {
        hk_ss *ss = hk_list_entry(n, hk_ss, link);
        enum span_tier tier;
        int u = find_span(ss, units, &tier);
        if (u < 0)
            continue;
        if (!best || tier > top) {
            best = ss;
            top = tier;
            *first = u;
        }
        if (top == SPAN_DIRTY || ++looks == SPAN_LOOKS)
            break;
    }
    return best;
}

/* Free units `bits` of ss may hold resident pages: they wait the delay,
 * then are purged. */
static void mark_dirty(hk_pool *pool, hk_ss *ss, uint64_t bits, uint64_t now)
{
    if (!ss->dirty_units)
        ss->dirty_since = now;
    ss->dirty_units |= bits;
    ss->purged_units &= ~bits;
    hk_pool_purge_by(pool, ss->dirty_since + pool->delay);
}

/*
 * The huge-page advice's sample (huge.h) of SuperSlabs: as one is taken
 * into use, the one taken two before it.  The slabs of the one taken
 * just before are still being carved, their ends untouched; by now those
 * of the one before it mostly are, so its pages show how densely the
 * program uses what it gets: blocks it never writes, slabs' untouched
 * ends and free units all count against the advice.  One mincore per
 * SuperSlab taken (of its last HK_OS_RESIDENT_MAX pages): microseconds,
 * against the hundreds of page faults that filled it.  Not sampled: an
 * advised SuperSlab (its huge pages are resident whole), an empty one (it
 * waits on the LRU, purged or soon to be) and an unmapped one.
 *
 * In a SuperSlab whose mapping asked for huge pages, a free unit never
 * written may still be resident, made so by a huge fault on a
 * neighbour: as it is taken into use, its free units not purged count as
 * dirty, so that they are purged once unused for the delay.
 */
static void take_into_use(hk_allocator *a, hk_ss *ss, uint64_t now)
{
    hk_pool *pool = &a->pool;
    hk_ss *old = pool->taken[0];
    pool->taken[0] = pool->taken[1];
    pool->taken[1] = ss;
    if (a->params.huge_pages == HK_HUGE_AUTO && old && !old->advised &&
        old->free_units != all_units(a)) {
        size_t pages,
            resident = hk_huge_sample((const char *)old, a->params.ss_size,
                                      &pages);
        hk_huge_record(&pool->huge, pages, resident);
        pool->stats.huge_samples++;
    }
    uint64_t unsure = ss->free_units & ~ss->dirty_units & ~ss->purged_units;
    if (ss->advised && unsure)
        mark_dirty(pool, ss, unsure, now);
}

static hk_slab *carve_new(hk_allocator *a, unsigned c, uint64_t now)
{
    hk_pool *pool = &a->pool;
    hk_list *list = partial_list(a, c);
    unsigned units = a->cls[c].units;
    int first;
    hk_ss *ss = ss_with_span(list, units, &first);
    if (!ss) {
        ss = hk_lru_pop(a);
        if (ss) {
            pool->class_stats[c].lru_hits++;
            ss_reset(a, ss, c);
        } else {
            pool->class_stats[c].lru_misses++;
            if (pool->stats.ss_evicted)
                wanted_back(a, pool->evicted_since, pool->evicted_at, now);
            ss = ss_map(a, c, now);
            if (!ss)
                return NULL;
        }
        take_into_use(a, ss, now);
        hk_list_push_front(list, &ss->link);
        enum span_tier tier;
        first = find_span(ss, units, &tier);
    }
    hk_slab *s = slab_carve(a, ss, (unsigned)first, c, now);
    if (!ss->free_units)
        hk_list_remove(list, &ss->link);
    return s;
}

static void purge_due(hk_allocator *a, uint64_t now);

hk_slab *hk_pool_acquire_slab(hk_allocator *a, hk_heap *h, unsigned c,
                              int may_carve)
{
    hk_pool *pool = &a->pool;
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&pool->lock);
    hk_slab *s = adopt(a, h, c);
    if (!s && may_carve && (s = carve_new(a, c, now)) != NULL)
        hk_slab_set_owner(s, h);
    if (s)
        h->stats[c].slabs_acquired++;
    purge_due(a, now);
    if (HK_DEBUG)
        pool_verify(a);
    hk_lock_release(&pool->lock);
    return s;
}

static void release_locked(hk_allocator *a, hk_slab *s, uint64_t now)
{
    hk_pool *pool = &a->pool;
    hk_ss *ss = s->ss;
    uint64_t bits = span_bits(s->first_unit, s->units);
    HK_ASSERT(s->used == 0 && (ss->free_units & bits) == 0);
    set_class(ss, s->first_unit, s->units, HK_CLASS_NONE);
    hk_slab_set_owner(s, NULL);
    int was_full = ss->free_units == 0;
    ss->free_units |= bits;
    mark_dirty(pool, ss, bits, now);
    hk_list *list = partial_list(a, ss->cls);
    if (!was_full)
        hk_list_remove(list, &ss->link);
    hk_list_push_front(list, &ss->link);
    if (ss->free_units == all_units(a)) {
        hk_list_remove(list, &ss->link);
        hk_lru_push(a, ss, now);
    }
}

void hk_pool_release_slab(hk_allocator *a, hk_slab *s)
{
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    release_locked(a, s, now);
    purge_due(a, now);
    if (HK_DEBUG)
        pool_verify(a);
    hk_lock_release(&a->pool.lock);
}

static void abandon_locked(hk_allocator *a, hk_slab *s)
{
    hk_slab_set_owner(s, NULL);
    hk_list_push_front(&a->pool.abandoned[s->cls], &s->link);
}

void hk_pool_abandon_slab(hk_allocator *a, hk_slab *s)
{
    hk_lock_acquire(&a->pool.lock);
    abandon_locked(a, s);
    if (HK_DEBUG)
        pool_verify(a);
    hk_lock_release(&a->pool.lock);
}

void hk_pool_hand_over(hk_allocator *a, hk_list *list, uint64_t *released,
                       uint64_t now)
{
    for (hk_link *n; (n = hk_list_pop_front(list)) != NULL;) {
        hk_slab *s = hk_slab_at(n);
        if (s->used == 0) {
            ++*released;
            release_locked(a, s, now);
        } else {
            abandon_locked(a, s);
        }
    }
    if (HK_DEBUG)
        pool_verify(a);
}

/* Abandoned slabs emptied by remote frees go back to their SuperSlabs. */
static void reclaim_abandoned(hk_allocator *a, uint64_t now)
{
    for (unsigned c = 0; c < HK_CLASSES; c++)
        hk_list_foreach(n, &a->pool.abandoned[c]) {
            hk_slab *s = hk_slab_at(n);
            hk_slab_drain_remote(s, (unsigned)a->params.ptr_check);
            if (s->used)
                continue;
            hk_list_remove(&a->pool.abandoned[c], &s->link);
            release_locked(a, s, now);
        }
}

/* A purge splits the huge pages of an advised SuperSlab; its advice goes
 * too, before khugepaged makes them whole again (os.h). */
static void purge_ss(hk_allocator *a, hk_ss *ss, uint64_t now)
{
    size_t unit = (size_t)1 << a->unit_shift;
    uint64_t d = ss->dirty_units;
    if (ss->advised && d) {
        hk_os_unadvise_huge(ss, a->params.ss_size);
        ss->advised = 0;
    }
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
    ss->purged_units |= ss->dirty_units;
    ss->purged_since = ss->dirty_since;
    ss->purged_at = now;
    ss->dirty_units = 0;
}

static void purge_pass(hk_allocator *a, uint64_t now, int force)
{
    relax(a, now);
    uint64_t delay = a->pool.delay;
    uint64_t next = hk_lru_trim(a, now, force ? 0 : delay);
    reclaim_abandoned(a, now);
    hk_list_foreach(n, &a->pool.all) {
        hk_ss *ss = hk_list_entry(n, hk_ss, all_link);
        if (!ss->dirty_units)
            continue;
        if (force || now - ss->dirty_since >= delay)
            purge_ss(a, ss, now);
        else if (ss->dirty_since + delay < next)
            next = ss->dirty_since + delay;
    }
    hk_pool_set_next_purge(&a->pool, next);
}

/* Free memory's idle time starts again at `now`: every wait ends a delay
 * later, so that no release or LRU push in between finds one due. */
static void restart_idle(hk_allocator *a, uint64_t now)
{
    hk_pool *pool = &a->pool;
    hk_list_foreach(n, &pool->all) {
        hk_ss *ss = hk_list_entry(n, hk_ss, all_link);
        if (ss->dirty_units)
            ss->dirty_since = now;
    }
    hk_list_foreach(n, &pool->lru)
        hk_list_entry(n, hk_ss, link)->emptied_at = now;
    hk_pool_set_next_purge(pool, now + pool->delay);
}

static void purge_if_due(hk_allocator *a, uint64_t prev, uint64_t now)
{
    if (hk_pause_ended(&a->pool.pause, prev, now, a->pool.delay))
        restart_idle(a, now);
    else
        purge_pass(a, now, 0);
}

static void purge_due(hk_allocator *a, uint64_t now)
{
    uint64_t prev = hk_pause_see(&a->pool.pause, now);
    if (now >= hk_pool_next_purge(&a->pool))
        purge_if_due(a, prev, now);
    hk_large_decay_due(a, now);
}

void hk_pool_tick(hk_allocator *a, uint64_t now)
{
    uint64_t prev = hk_pause_see(&a->pool.pause, now);
    if (now >= hk_pool_next_purge(&a->pool) && hk_lock_try(&a->pool.lock)) {
        purge_if_due(a, prev, now);
        if (HK_DEBUG)
            pool_verify(a);
        hk_lock_release(&a->pool.lock);
    }
    hk_large_decay_due(a, now);
}

size_t hk_pool_purge(hk_allocator *a, int force)
{
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    uint64_t before = a->pool.stats.purged_bytes;
    purge_pass(a, now, force);
    size_t purged = (size_t)(a->pool.stats.purged_bytes - before);
    if (HK_DEBUG)
        pool_verify(a);
    hk_lock_release(&a->pool.lock);
    return purged;
}

void hk_pool_destroy(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    while (!hk_list_empty(&pool->all))
        hk_ss_unmap(a, hk_list_entry(hk_list_first(&pool->all), hk_ss,
                                     all_link));
    for (hk_heap *h = pool->heaps, *next; h; h = next) {
        next = h->next;
        hk_os_unmap(h, h->map_bytes);
    }
    pool->heaps = NULL;
}
