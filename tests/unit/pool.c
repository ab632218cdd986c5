/*
 * pool.c - SuperSlab life cycle, checked against the backend's own count
 * of system calls: the shared pool packs classes together, the LRU keeps
 * lru_cap empty SuperSlabs and the others for purge_delay, prewarm maps
 * ahead in one call, and the purge policy madvises free memory only once
 * purge_delay has passed, a delay that stretches while the program wants
 * purged memory back soon after.
 */
#include "unit.h"

static hk_os_counts counts(void)
{
    hk_os_counts c;
    hk_os_counts_get(&c);
    return c;
}

/* One block of every class; returns SuperSlabs mapped for them. */
static uint64_t one_of_each_class(const char *const *settings)
{
    hk_allocator *a = unit_alloc(settings);
    hk_heap *h = hk_heap_create(a);
    void *p[HK_CLASSES];
    for (unsigned c = 0; c < HK_CLASSES; c++)
        p[c] = hk_malloc_fast(a, h, hk_class_size(c));
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    for (unsigned c = 0; c < HK_CLASSES; c++)
        hk_free_fast(a, h, p[c]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
    return s.pool.ss_mapped;
}

static void shared_pool_packs_classes(void)
{
    static const char *const shared[] = {"prewarm=0", NULL};
    static const char *const split[] = {"prewarm=0", "shared_pool=0", NULL};
    uint64_t with = one_of_each_class(shared);
    uint64_t without = one_of_each_class(split);
    CHECK_EQ(without, HK_CLASSES);
    CHECK(with <= 8, "shared pool mapped %llu SuperSlabs",
          (unsigned long long)with);
}

/* Every class's slab holds four blocks or more and leaves at most a
 * sixteenth of itself past its last block, with the fewest units that
 * do both; unless that takes more than a quarter of a SuperSlab, which is
 * as many units as a slab may span. */
static void slabs_leave_short_tails(void)
{
    static const char *const sizes[][2] = {{"ss_size=2M", NULL},
                                           {"ss_size=8M", NULL}};
    for (unsigned k = 0; k < 2; k++) {
        hk_allocator *a = unit_alloc(sizes[k]);
        size_t unit = (size_t)1 << a->unit_shift;
        unsigned most = a->units / 4;
        for (unsigned c = 0; c < HK_CLASSES; c++) {
            size_t size = a->cls[c].size, units = a->cls[c].units;
            size_t bytes = units * unit;
            CHECK(units >= 1 && units <= most, "class %u: %zu units", c,
                  units);
            if (units == most)
                continue;
            CHECK(bytes / size >= 4, "class %u: %zu blocks", c, bytes / size);
            CHECK(bytes % size * 16 <= bytes, "class %u: a tail of %zu in %zu",
                  c, bytes % size, bytes);
            for (size_t fewer = 1; fewer < units; fewer++) {
                size_t b = fewer * unit;
                CHECK(b / size < 4 || b % size * 16 > b,
                      "class %u: %zu units would do", c, fewer);
            }
        }
        hk_alloc_destroy(a);
    }
}

/* Fill `n` SuperSlabs with 64-byte blocks, free everything, and report
 * how many munmap calls the backend made while doing so. */
static uint64_t grow_and_shrink(hk_allocator *a, unsigned n)
{
    hk_os_counts before = counts();
    hk_heap *h = hk_heap_create(a);
    size_t per_ss = a->params.ss_size / 64;
    size_t total = per_ss * n;
    void **p = hk_large_alloc(a, total * sizeof *p, 16, 0);
    for (size_t i = 0; i < total; i++)
        p[i] = hk_malloc_fast(a, h, 64);
    for (size_t i = 0; i < total; i++)
        hk_free_fast(a, h, p[i]);
    hk_heap_destroy(h);
    hk_free_fast(a, NULL, p);
    return counts().calls[HK_OS_MUNMAP] - before.calls[HK_OS_MUNMAP];
}

/* After growing to 6 SuperSlabs and shrinking back, with lru_cap=2. */
static hk_allocator *shrunk_with_cap2(const char *purge_delay,
                                      uint64_t *munmaps, hk_stats_snapshot *s)
{
    const char *const settings[] = {"prewarm=0", "lru_cap=2", "large_cache=0",
                                    purge_delay, NULL};
    hk_allocator *a = unit_alloc(settings);
    *munmaps = grow_and_shrink(a, 6);
    hk_alloc_snapshot(a, s);
    CHECK(s->pool.ss_mapped >= 6, "mapped %llu",
          (unsigned long long)s->pool.ss_mapped);
    return a;
}

/* lru_cap empty SuperSlabs stay for good; the others for purge_delay. */
static void lru_keeps_cap_and_decays_the_rest(void)
{
    uint64_t munmaps;
    hk_stats_snapshot s;
    hk_allocator *a = shrunk_with_cap2("purge_delay=3600000", &munmaps, &s);
    /* All cached for now: the one munmap is the scratch large block's. */
    CHECK_EQ(munmaps, 1);
    CHECK_EQ(a->pool.lru_count, s.pool.ss_mapped);
    CHECK_EQ(s.pool.ss_live, s.pool.ss_mapped);
    /* Growing again reuses a cached one. */
    hk_heap *h = hk_heap_create(a);
    void *q = hk_malloc_fast(a, h, 64);
    hk_stats_snapshot t;
    hk_alloc_snapshot(a, &t);
    CHECK_EQ(t.pool.ss_mapped, s.pool.ss_mapped);
    CHECK_EQ(t.total.lru_hits, s.total.lru_hits + 1);
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    /* A forced purge (malloc_trim) ends every wait: lru_cap remain. */
    hk_os_counts before = counts();
    hk_pool_purge(a, 1);
    hk_alloc_snapshot(a, &t);
    CHECK_EQ(a->pool.lru_count, 2);
    CHECK_EQ(t.pool.ss_live, 2);
    CHECK_EQ(t.pool.ss_unmapped, t.pool.ss_mapped - 2);
    CHECK_EQ(counts().calls[HK_OS_MUNMAP] - before.calls[HK_OS_MUNMAP],
             t.pool.ss_unmapped);
    hk_alloc_destroy(a);

    /* With purge_delay=0 nothing waits: beyond lru_cap, munmap at once. */
    a = shrunk_with_cap2("purge_delay=0", &munmaps, &s);
    CHECK_EQ(a->pool.lru_count, 2);
    CHECK_EQ(s.pool.ss_live, 2);
    CHECK_EQ(s.pool.ss_unmapped, s.pool.ss_mapped - 2);
    CHECK_EQ(munmaps, s.pool.ss_unmapped + 1);
    hk_alloc_destroy(a);
}

static void lru_cap_zero_unmaps_at_once(void)
{
    static const char *const none[] = {"prewarm=0", "lru_cap=0",
                                       "large_cache=0", NULL};
    hk_allocator *a = unit_alloc(none);
    grow_and_shrink(a, 3);
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.ss_live, 0);
    CHECK_EQ(s.pool.ss_unmapped, s.pool.ss_mapped);
    hk_alloc_destroy(a);
}

static void prewarm_maps_ahead_in_one_call(void)
{
    static const char *const warm[] = {"prewarm=3", NULL};
    hk_allocator *a = unit_alloc(warm);
    hk_heap *h = hk_heap_create(a);
    hk_os_counts before = counts();
    void *p = hk_malloc_fast(a, h, 32);
    hk_os_counts after = counts();
    /* One mapping of four SuperSlabs, and the registry's first leaf
     * unless that came from the backend's reserve. */
    uint64_t bytes = after.bytes[HK_OS_MMAP] - before.bytes[HK_OS_MMAP];
    int leaf = bytes > 4 * a->params.ss_size;
    CHECK_EQ(after.calls[HK_OS_MMAP] - before.calls[HK_OS_MMAP], 1 + leaf);
    CHECK_EQ(bytes, 4 * a->params.ss_size + (leaf ? HK_REG_LEAF_BYTES : 0));
    CHECK_EQ(a->pool.lru_count, 3);
    hk_free_fast(a, h, p);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static uint64_t madvise_calls(void)
{
    return counts().calls[HK_OS_MADVISE];
}

static void purge_waits_for_delay(void)
{
    static const char *const slow[] = {"purge_delay=3600000", NULL};
    static const char *const now[] = {"purge_delay=0", NULL};
    hk_allocator *a = unit_alloc(slow);
    uint64_t m0 = madvise_calls();
    grow_and_shrink(a, 2);
    /* Nothing purged before the delay.  The only madvise calls are new
     * mappings refusing huge pages, where the kernel gives them unasked
     * (os.h); elsewhere there are none. */
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.ss_purged + s.pool.purged_bytes + s.large.purged, 0);
    if (!hk_os_huge_unasked())
        CHECK_EQ(madvise_calls(), m0);
    m0 = madvise_calls();
    hk_os_counts c0;
    hk_os_counts_get(&c0);
    size_t purged = hk_pool_purge(a, 1);
    hk_alloc_snapshot(a, &s);
    CHECK(madvise_calls() > m0, "forced purge made no madvise");
    CHECK_EQ(madvise_calls() - m0, s.pool.ss_purged);
    CHECK_EQ(purged, counts().bytes[HK_OS_MADVISE] - c0.bytes[HK_OS_MADVISE]);
    CHECK_EQ(hk_pool_purge(a, 1), 0);
    hk_alloc_destroy(a);

    a = unit_alloc(now);
    m0 = madvise_calls();
    grow_and_shrink(a, 2);
    CHECK(madvise_calls() > m0, "purge_delay=0 made no madvise");
    hk_alloc_destroy(a);
}

/* HK_TICK blocks from h's front at `at` ms: one tick. */
static void tick_at(hk_allocator *a, hk_heap *h, uint64_t at)
{
    hk_os_follow_clock(at * 1000000);
    for (unsigned i = 0; i < HK_TICK; i++) {
        void *volatile p = hk_malloc_fast(a, h, 64);
        hk_free_fast(a, h, p);
    }
}

/* Shrunk at 1000 ms from 6 SuperSlabs to the LRU, with lru_cap=2 and
 * purge_delay=100, and a heap whose front holds 64-byte blocks. */
static hk_allocator *shrunk_at_1000(hk_heap **h, hk_stats_snapshot *s)
{
    uint64_t munmaps;
    hk_os_follow_clock(1000 * 1000000ull);
    hk_allocator *a = shrunk_with_cap2("purge_delay=100", &munmaps, s);
    CHECK_EQ(a->pool.lru_count, s->pool.ss_mapped);
    *h = hk_heap_create(a);
    void *volatile p = hk_malloc_fast(a, *h, 64); /* the front's refill */
    hk_free_fast(a, *h, p);
    hk_alloc_snapshot(a, s);
    CHECK(a->pool.lru_count > 2, "%llu SuperSlabs cached",
          (unsigned long long)a->pool.lru_count);
    return a;
}

/* Whether the SuperSlabs past lru_cap are gone, with one munmap each
 * since `before`, and nothing else given back. */
static int unmapped_past_cap(hk_allocator *a, const hk_stats_snapshot *s,
                             uint64_t cached, const hk_os_counts *before)
{
    hk_stats_snapshot t;
    hk_alloc_snapshot(a, &t);
    if (t.pool.ss_unmapped == s->pool.ss_unmapped) {
        CHECK_EQ(counts().calls[HK_OS_MUNMAP], before->calls[HK_OS_MUNMAP]);
        CHECK_EQ(counts().calls[HK_OS_MADVISE], before->calls[HK_OS_MADVISE]);
        return 0;
    }
    CHECK_EQ(a->pool.lru_count, 2);
    CHECK_EQ(t.pool.ss_unmapped - s->pool.ss_unmapped, cached - 2);
    CHECK_EQ(counts().calls[HK_OS_MUNMAP] - before->calls[HK_OS_MUNMAP],
             cached - 2);
    return 1;
}

/* A SuperSlab's worth of 64-byte blocks, from another heap, linked
 * through themselves, then freed and the heap gone. */
static void churn_one_ss(hk_allocator *a)
{
    hk_heap *other = hk_heap_create(a);
    void *last = NULL;
    for (size_t i = 0; i < a->params.ss_size / 64; i++) {
        void **p = hk_malloc_fast(a, other, 64);
        *p = last;
        last = p;
    }
    while (last) {
        void *next = *(void **)last;
        hk_free_fast(a, other, last);
        last = next;
    }
    hk_heap_destroy(other);
}

/* From shrunk_at_1000, a tick at each of the n times `at` (ms) in turn,
 * and a SuperSlab's churn after the one at churn_at (0: none): the index
 * of the tick after which the SuperSlabs past lru_cap were gone (n:
 * never); the front misses meanwhile in *misses. */
static unsigned unmapped_after(const uint64_t *at, unsigned n,
                               uint64_t churn_at, uint64_t *misses)
{
    hk_heap *h;
    hk_stats_snapshot s, t;
    hk_allocator *a = shrunk_at_1000(&h, &s);
    uint64_t cached = a->pool.lru_count;
    hk_os_counts before = counts();
    unsigned i = 0;
    for (; i < n; i++) {
        tick_at(a, h, at[i]);
        if (at[i] == churn_at)
            churn_one_ss(a);
        if (unmapped_past_cap(a, &s, cached, &before))
            break;
    }
    hk_alloc_snapshot(a, &t);
    *misses = t.total.front_misses - s.total.front_misses;
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
    return i;
}

/*
 * A program that stays on the fast paths after its use fell still gets
 * the SuperSlabs past lru_cap back once they have been empty for
 * purge_delay: a front looks at the clock every HK_TICK blocks it hands
 * out.  Time is the clock set here (hk_os_follow_clock).
 */
static void fast_paths_alone_return_memory(void)
{
    static const uint64_t at[] = {1000, 1060, 1120};
    uint64_t misses;
    CHECK_EQ(unmapped_after(at, 3, 0, &misses), 2);
    CHECK_EQ(misses, 0);
}

/*
 * Memory that stayed unused while the program slept is purged only once
 * it has stayed unused for a delay after the program came back: a pass
 * due at the first tick after a pause longer than the delay waits, and
 * the slow paths taken meanwhile (a SuperSlab's worth of blocks taken
 * from the LRU and given back at 1250, so that cached SuperSlabs empty
 * since before the pause are looked at) find nothing due.  A program
 * that comes back only after long pauses gets its memory purged at the
 * second.
 */
static void pause_defers_the_purge(void)
{
    static const uint64_t back[] = {1000, 1200, 1250, 1290, 1310};
    static const uint64_t rarely[] = {1000, 1200, 1400};
    uint64_t misses;
    CHECK_EQ(unmapped_after(back, 5, 1250, &misses), 4);
    CHECK_EQ(unmapped_after(rarely, 3, 0, &misses), 2);
}

/* Grow to 4 SuperSlabs and shrink back at `at` ms; then, a purge pass
 * `idle` ms later, the calls it made. */
static hk_os_counts cycle(hk_allocator *a, uint64_t at, uint64_t idle)
{
    const uint64_t ms = 1000000;
    hk_os_follow_clock(at * ms);
    grow_and_shrink(a, 4);
    hk_os_follow_clock((at + idle) * ms);
    hk_os_counts before = counts(), after;
    hk_pool_purge(a, 0);
    hk_os_counts_get(&after);
    for (unsigned k = 0; k < HK_OS_CALLS; k++)
        after.calls[k] -= before.calls[k];
    return after;
}

/*
 * A program that frees its memory and wants it back 160 ms later, with
 * purge_delay=100: the first cycle's memory is purged and unmapped, and
 * wanted back within a delay; the delay grows to twice the 160 ms the
 * memory was unused, and the next cycle's memory stays.  It grows to 16
 * purge_delays at most, and halves back after 8 delays in which nothing
 * purged was wanted back.
 */
static void delay_stretches_to_the_cycle(void)
{
    static const char *const settings[] = {"prewarm=0", "lru_cap=2",
                                           "large_cache=0", "purge_delay=100",
                                           NULL};
    hk_allocator *a = unit_alloc(settings);
    hk_stats_snapshot s;
    hk_os_counts c = cycle(a, 10000, 150);
    hk_alloc_snapshot(a, &s);
    CHECK(c.calls[HK_OS_MADVISE] > 0 && c.calls[HK_OS_MUNMAP] > 0,
          "the first cycle's memory was not given back");
    CHECK_EQ(s.pool.delay_ms, 100);
    CHECK_EQ(s.pool.delay_stretches, 0);

    c = cycle(a, 10160, 150);
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.delay_ms, 320);
    CHECK_EQ(s.pool.delay_stretches, 1);
    CHECK_EQ(c.calls[HK_OS_MADVISE], 0);
    CHECK_EQ(c.calls[HK_OS_MUNMAP], 0);

    /* Memory kept idle past the stretched delay still goes. */
    c = cycle(a, 10320, 400);
    CHECK(c.calls[HK_OS_MADVISE] > 0, "idle memory stayed");

    /* Wanted back every time: the delay stops at 16 purge_delays. */
    uint64_t at = 10730;
    for (unsigned i = 0; i < 8; i++) {
        hk_alloc_snapshot(a, &s);
        cycle(a, at, s.pool.delay_ms + 10);
        at += s.pool.delay_ms + 20;
    }
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.delay_ms, 1600);
    CHECK_EQ(s.pool.delay_stretches, 3);

    /* Nothing wanted back for 8 delays: it halves. */
    hk_os_follow_clock((at + 8 * 1600) * 1000000);
    hk_pool_purge(a, 0);
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.delay_ms, 800);
    hk_alloc_destroy(a);
}

/*
 * Memory unused for longer than the delay, wanted back soon after the
 * delay last grew, shows a cycle longer than the delay at once: the delay
 * grows to twice it then, not a delay later.  With purge_delay=100 and
 * lru_cap=2: 4 SuperSlabs freed at 10000 are purged (2) and unmapped (2)
 * at 10150; 2 of them wanted back at 10160 stretch the delay to 320; the
 * other 2, unused for 400 ms, are wanted back at 10400, 240 ms into the
 * new delay, and stretch it to 800.
 */
static void longer_cycle_stretches_at_once(void)
{
    static const char *const settings[] = {"prewarm=0", "lru_cap=2",
                                           "large_cache=0", "purge_delay=100",
                                           NULL};
    const uint64_t ms = 1000000;
    hk_allocator *a = unit_alloc(settings);
    hk_stats_snapshot s;
    hk_os_counts c = cycle(a, 10000, 150);
    CHECK(c.calls[HK_OS_MADVISE] > 0 && c.calls[HK_OS_MUNMAP] > 0,
          "the first cycle's memory was not given back");
    hk_os_follow_clock(10160 * ms);
    grow_and_shrink(a, 2);
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.delay_ms, 320);
    CHECK_EQ(s.pool.delay_stretches, 1);
    hk_os_follow_clock(10400 * ms);
    grow_and_shrink(a, 4);
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(s.pool.delay_ms, 800);
    CHECK_EQ(s.pool.delay_stretches, 2);
    hk_alloc_destroy(a);
}

/* The unit of its SuperSlab that p lies in. */
static unsigned unit_of(const hk_allocator *a, const void *p)
{
    return (unsigned)(((uintptr_t)p & (a->params.ss_size - 1)) >>
                      a->unit_shift);
}

/* Free the blocks of b[0..n) that lie in unit u, and send them home from
 * the front of class c. */
static void free_unit(hk_allocator *a, hk_heap *h, void **b, unsigned n,
                      unsigned u, unsigned c)
{
    for (unsigned i = 0; i < n; i++)
        if (b[i] && unit_of(a, b[i]) == u) {
            hk_free_fast(a, h, b[i]);
            b[i] = NULL;
        }
    hk_heap_flush(h, c, h->front[c].count);
}

/*
 * A new slab goes where free units are still resident.  Slabs of one
 * unit fill units 0 to 8; those on units 2, 3 and 6 are freed and purged,
 * then the one on unit 5 is freed: a slab of two units then goes on units
 * 5 and 6, half of it resident, not on units 2 and 3, the first free
 * pair, whose pages would all fault in again.
 */
static void new_slab_reuses_resident_units(void)
{
    static const char *const s[] = {"prewarm=0", "purge_delay=3600000",
                                    NULL};
    hk_allocator *a = unit_alloc(s);
    hk_heap *h = hk_heap_create(a);
    unsigned one = hk_class_of(16384), two = hk_class_of(32768);
    CHECK_EQ(a->cls[one].units, 1);
    CHECK_EQ(a->cls[two].units, 2);
    void *b[64] = {NULL};
    unsigned n = 0;
    while (n < 64 && (n == 0 || unit_of(a, b[n - 1]) < 8))
        b[n++] = hk_malloc_fast(a, h, 16384);
    CHECK_EQ(unit_of(a, b[n - 1]), 8);
    free_unit(a, h, b, n, 2, one);
    free_unit(a, h, b, n, 3, one);
    free_unit(a, h, b, n, 6, one);
    hk_pool_purge(a, 1);
    free_unit(a, h, b, n, 5, one);
    hk_ss *ss = (hk_ss *)((uintptr_t)b[n - 1] & ~(a->params.ss_size - 1));
    CHECK_EQ(ss->dirty_units, 1ull << 5);
    CHECK_EQ(ss->purged_units, (1ull << 2) | (1ull << 3) | (1ull << 6));
    void *p = hk_malloc_fast(a, h, 32768);
    CHECK_EQ(unit_of(a, p), 5);
    CHECK_EQ(ss->unit[5].cls, two);
    CHECK_EQ(ss->unit[6].cls, two);
    hk_free_fast(a, h, p);
    for (unsigned i = 0; i < n; i++)
        if (b[i])
            hk_free_fast(a, h, b[i]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

UNIT_MAIN(TEST(shared_pool_packs_classes), TEST(slabs_leave_short_tails),
          TEST(lru_keeps_cap_and_decays_the_rest),
          TEST(lru_cap_zero_unmaps_at_once),
          TEST(prewarm_maps_ahead_in_one_call), TEST(purge_waits_for_delay),
          TEST(fast_paths_alone_return_memory),
          TEST(pause_defers_the_purge),
          TEST(delay_stretches_to_the_cycle),
          TEST(longer_cycle_stretches_at_once),
          TEST(new_slab_reuses_resident_units))
