/*
 * large.c - large blocks and the span cache, checked against the
 * backend's own count of system calls and, where it matters, the
 * kernel's count of page faults: a freed span serves a later request of
 * another size (taken whole, split, or grown without losing its pages),
 * neighbours join again, calloc zeroes exactly what may hold old data,
 * realloc resizes in place (or moves a block whose mapping the program
 * cut), the cache follows the program's recent peak,
 * and unused bytes decay half per purge_delay, oldest first.
 *
 * Time is the trace clock (hk_os_follow_clock), set by each test, so no
 * test depends on how fast the machine runs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "unit.h"

#define MIB ((size_t)1 << 20)
#define MS 1000000ull

static uint64_t clock_ns;

static void set_clock(uint64_t ns)
{
    clock_ns = ns;
    hk_os_follow_clock(ns);
}

static hk_allocator *fresh(const char *const *settings)
{
    set_clock(1000 * MS);
    return unit_alloc(settings);
}

static hk_os_counts counts(void)
{
    hk_os_counts c;
    hk_os_counts_get(&c);
    return c;
}

static uint64_t calls_since(const hk_os_counts *c0, enum hk_os_call k)
{
    return counts().calls[k] - c0->calls[k];
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static hk_large_stats stats(hk_allocator *a)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    return s.large;
}

/* The first byte in [p, p+n) that is not v, or n. */
static size_t first_not(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return i;
    return n;
}

static void loop_maps_once(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    hk_os_counts c0 = counts();
    for (size_t i = 0; i < 1000; i++) { /* too large for the keep */
        size_t n = HK_KEEP_BYTES / 2 + HK_OS_PAGE + i;
        char *p = hk_malloc_fast(a, h, n);
        p[0] = p[n - 1] = 1;
        hk_free_fast(a, h, p);
    }
    hk_large_stats s = stats(a);
    CHECK(calls_since(&c0, HK_OS_MMAP) <= 2, "%llu mmaps",
          (unsigned long long)calls_since(&c0, HK_OS_MMAP));
    CHECK(s.cache_hits + s.cache_splits >= 998, "hits %llu splits %llu",
          (unsigned long long)s.cache_hits,
          (unsigned long long)s.cache_splits);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void no_cache_maps_every_time(void)
{
    static const char *const off[] = {"large_cache=0", NULL};
    hk_allocator *a = fresh(off);
    hk_heap *h = hk_heap_create(a);
    hk_free_fast(a, h, hk_malloc_fast(a, h, 1 << 20)); /* maps the registry */
    hk_os_counts c0 = counts();
    for (int i = 0; i < 100; i++)
        hk_free_fast(a, h, hk_malloc_fast(a, h, 1 << 20));
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 100);
    CHECK_EQ(calls_since(&c0, HK_OS_MUNMAP), 100);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Fill n bytes with 0xff, free, calloc m: every byte of it must be 0. */
static void calloc_after_fill(hk_allocator *a, hk_heap *h, size_t n, size_t m)
{
    unsigned char *p = hk_malloc_fast(a, h, n);
    memset(p, 0xff, n);
    hk_free_fast(a, h, p);
    unsigned char *q = hk_alloc_calloc(a, h, 1, m);
    size_t bad = first_not(q, m, 0);
    CHECK(bad == m, "calloc(%zu) after %zu: byte %zu is %u", m, n, bad,
          bad < m ? q[bad] : 0);
    hk_free_fast(a, h, q);
}

static void calloc_zeroes_reused_memory(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    calloc_after_fill(a, h, 3 * MIB, 3 * MIB);       /* the same span */
    calloc_after_fill(a, h, 8 * MIB, 7 * MIB);       /* taken whole */
    calloc_after_fill(a, h, 20 * MIB, 5 * MIB);      /* a split head */
    calloc_after_fill(a, h, 5 * MIB, 20 * MIB + 77); /* grown */
    hk_large_stats s = stats(a);
    CHECK(s.cache_hits >= 2 && s.cache_splits >= 1 && s.cache_grows >= 1,
          "hits %llu splits %llu grows %llu",
          (unsigned long long)s.cache_hits,
          (unsigned long long)s.cache_splits,
          (unsigned long long)s.cache_grows);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* calloc writes nothing into memory known to be zero: a new mapping, or a
 * span purged since it was used.  The kernel's fault count shows it. */
static void calloc_skips_known_zero(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    size_t n = 16 * MIB;
    long f0 = minor_faults();
    unsigned char *p = hk_alloc_calloc(a, h, 1, n);
    long fresh_faults = minor_faults() - f0;
    memset(p, 0xff, n);
    hk_free_fast(a, h, p);
    hk_alloc_trim(a, h);
    f0 = minor_faults();
    unsigned char *q = hk_alloc_calloc(a, h, 1, n);
    long purged_faults = minor_faults() - f0;
    CHECK(unit_span_of(q) == unit_span_of(p),
          "the purged span was not reused");
    CHECK(fresh_faults < 16 && purged_faults < 16,
          "calloc faulted %ld pages (new) and %ld (purged) of %zu",
          fresh_faults, purged_faults, n / HK_OS_PAGE);
    size_t bad = first_not(q, n, 0);
    CHECK(bad == n, "byte %zu of the purged span is not zero", bad);
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Touch every page of [p, p+n); the page faults that took. */
static long touch_faults(unsigned char *p, size_t n)
{
    long f0 = minor_faults();
    for (size_t i = 0; i < n; i += HK_OS_PAGE)
        p[i] = 1;
    return minor_faults() - f0;
}

static void similar_size_reuses_pages(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    unsigned char *p = hk_malloc_fast(a, h, 10 * MIB);
    touch_faults(p, 10 * MIB);
    hk_free_fast(a, h, p);

    hk_os_counts c0 = counts();
    unsigned char *q = hk_malloc_fast(a, h, 9 * MIB + 12345);
    long faults = touch_faults(q, 9 * MIB + 12345);
    CHECK(unit_span_of(q) == unit_span_of(p),
          "a smaller request did not reuse the span");
    CHECK(faults < 16, "%ld faults on reused pages", faults);
    hk_free_fast(a, h, q);

    /* Larger: the span was mapped last, so it grows in place. */
    size_t more = 11 * MIB;
    unsigned char *r = hk_malloc_fast(a, h, more);
    faults = touch_faults(r, more);
    CHECK(unit_span_of(r) == unit_span_of(p),
          "the span did not grow in place");
    CHECK(faults < (long)(1 * MIB / HK_OS_PAGE) + 16,
          "%ld faults growing 10 MiB to 11 MiB", faults);
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 0);
    CHECK_EQ(calls_since(&c0, HK_OS_MREMAP), 1);
    hk_free_fast(a, h, r);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void split_then_join(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    char *p = hk_malloc_fast(a, h, 20 * MIB);
    hk_free_fast(a, h, p);
    size_t span = stats(a).cached_bytes;

    hk_os_counts c0 = counts();
    char *x = hk_malloc_fast(a, h, 5 * MIB);
    char *y = hk_malloc_fast(a, h, 5 * MIB);
    char *z = hk_malloc_fast(a, h, 5 * MIB);
    CHECK(unit_span_of(x) == unit_span_of(p),
          "the first piece is not the span's head");
    CHECK(y > x && z > y && z < p + 20 * MIB, "pieces %p %p %p of %p", x, y,
          z, p);
    CHECK_EQ(stats(a).cache_splits, 3);
    hk_free_fast(a, h, y);
    hk_free_fast(a, h, x);
    hk_free_fast(a, h, z);
    CHECK_EQ(a->large.spans.count, 1);
    CHECK_EQ(stats(a).cached_bytes, span);
    CHECK(stats(a).merges >= 3, "merges %llu",
          (unsigned long long)stats(a).merges);
    /* No call but the huge-page advice's samples of the frees. */
    for (int k = 0; k < HK_OS_CALLS; k++)
        CHECK(calls_since(&c0, k) <= (k == HK_OS_MINCORE ? 3u : 0u),
              "%s made", hk_os_call_names[k]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* A span not mapped last moves to grow, and keeps its pages resident. */
static void grow_moves_pages(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    unsigned char *p = hk_malloc_fast(a, h, 5 * MIB);
    void *later = hk_malloc_fast(a, h, 5 * MIB);
    touch_faults(p, 5 * MIB);
    hk_free_fast(a, h, p);

    hk_os_counts c0 = counts();
    unsigned char *q = hk_malloc_fast(a, h, 12 * MIB);
    long faults = touch_faults(q, 12 * MIB);
    CHECK(unit_span_of(q) != unit_span_of(p),
          "grew in place past a later mapping");
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 1);
    CHECK_EQ(calls_since(&c0, HK_OS_MREMAP), 1);
    CHECK(faults < (long)(7 * MIB / HK_OS_PAGE) + 16,
          "%ld faults: the moved pages were not kept", faults);
    hk_free_fast(a, h, q);
    hk_free_fast(a, h, later);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* A block with a mapping of its own that ends short of a MiB grows into
 * the room after it without moving (os.h): one mremap, no mapping, its
 * pages kept. */
static void grow_in_room_keeps_place(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    size_t small = 4 * MIB + (300 << 10), big = 4 * MIB + (380 << 10);
    unsigned char *p = hk_malloc_fast(a, h, small);
    void *later[8]; /* mapped after p, then kept by the thread (keep.h),
                       which gives p, the oldest, to the cache */
    for (int i = 0; i < 8; i++)
        later[i] = hk_malloc_fast(a, h, small);
    touch_faults(p, small);
    hk_free_fast(a, h, p);
    for (int i = 0; i < 8; i++)
        hk_free_fast(a, h, later[i]);

    hk_os_counts c0 = counts();
    unsigned char *q = hk_malloc_fast(a, h, big);
    long faults = touch_faults(q, big);
    CHECK(unit_span_of(q) == unit_span_of(p), "moved from %p to %p", (void *)p,
          (void *)q);
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 0);
    CHECK_EQ(calls_since(&c0, HK_OS_MREMAP), 1);
    CHECK(faults < (long)((big - small) / HK_OS_PAGE) + 8,
          "%ld faults: the span's pages were not kept", faults);
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 997)
        p[i] = (unsigned char)(i / 997 * 31 + seed);
}

static size_t first_unfilled(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 997)
        if (p[i] != (unsigned char)(i / 997 * 31 + seed))
            return i;
    return n;
}

static void realloc_resizes_in_place(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    hk_free_fast(a, h, hk_malloc_fast(a, h, MIB)); /* maps the cache */
    size_t n = 10 * MIB;
    unsigned char *p = hk_malloc_fast(a, h, n);
    fill(p, n, 1);

    hk_os_counts c0 = counts();
    unsigned char *q = hk_alloc_realloc(a, h, p, 30 * MIB);
    CHECK(q == p, "growing the last mapping moved it");
    CHECK_EQ(calls_since(&c0, HK_OS_MREMAP), 1);
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 0);
    CHECK_EQ(first_unfilled(q, n, 1), n);
    fill(q, 30 * MIB, 2);

    /* Large enough that the cache's limit holds what follows. */
    void *other = hk_malloc_fast(a, h, 24 * MIB);
    c0 = counts();
    unsigned char *r = hk_alloc_realloc(a, h, q, 40 * MIB);
    CHECK(r != q, "grew in place past a later mapping");
    CHECK_EQ(calls_since(&c0, HK_OS_MREMAP), 1);
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 1);
    CHECK_EQ(first_unfilled(r, 30 * MIB, 2), 30 * MIB);
    CHECK_EQ(hk_alloc_usable_size(a, r) >= 40 * MIB, 1);

    /* Shrinking splits the tail off into the cache; growing again takes
     * it back; neither makes a call. */
    c0 = counts();
    size_t cached = stats(a).cached_bytes;
    unsigned char *s = hk_alloc_realloc(a, h, r, 8 * MIB);
    CHECK(s == r, "shrinking moved the block");
    CHECK(stats(a).cached_bytes >= cached + 31 * MIB, "cached %llu",
          (unsigned long long)stats(a).cached_bytes);
    CHECK(hk_alloc_usable_size(a, s) < 9 * MIB, "usable %zu",
          hk_alloc_usable_size(a, s));
    unsigned char *t = hk_alloc_realloc(a, h, s, 20 * MIB);
    CHECK(t == s, "growing into the split tail moved the block");
    CHECK_EQ(first_unfilled(t, 8 * MIB, 2), 8 * MIB);
    for (int k = 0; k < HK_OS_CALLS; k++)
        CHECK(calls_since(&c0, k) == 0, "%s made", hk_os_call_names[k]);
    CHECK_EQ(stats(a).resizes, 4);
    hk_free_fast(a, h, t);
    hk_free_fast(a, h, other);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void realloc_keeps_contents(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    static const size_t sizes[] = {10, 100, 1000, 70000, 200000, 5000000,
                                   300000, 9000000, 150, 16, 1};
    unsigned char *p = NULL;
    size_t have = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        p = hk_alloc_realloc(a, h, p, n);
        size_t keep = have < n ? have : n;
        for (size_t i = 0; i < keep; i++)
            if (p[i] != (unsigned char)(i * 7)) {
                CHECK(0, "to %zu: byte %zu lost", n, i);
                break;
            }
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)(i * 7);
        have = n;
    }
    CHECK(hk_alloc_realloc(a, h, p, 0) == NULL, "realloc(p, 0)");
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/*
 * Two blocks grown a page at a time from 200 KB to 40 MiB, in turn, so
 * that each often lies in the way of the other: the mappings grow to
 * twice a block's size ahead of it, so each block makes a logarithmic
 * number of calls, not one per step, and keeps every byte through the
 * moves.
 */
static void growth_reserves_ahead(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    unsigned char *p[2] = {NULL, NULL};
    hk_os_counts c0 = counts();
    for (size_t n = 200000; n <= 40 * MIB; n += HK_OS_PAGE)
        for (int k = 0; k < 2; k++) {
            p[k] = hk_alloc_realloc(a, h, p[k], n);
            p[k][n - 1] = (unsigned char)(n / HK_OS_PAGE + k);
        }
    /* From 200 KB to the granule, then doubling from 1 to 64 MiB: seven
     * grows per block, each a move at worst (an mmap and an mremap); and
     * each block's first mapping, the cache's table, a leaf of the map. */
    CHECK(calls_since(&c0, HK_OS_MREMAP) <= 2 * 7, "%llu mremap calls",
          (unsigned long long)calls_since(&c0, HK_OS_MREMAP));
    CHECK(calls_since(&c0, HK_OS_MMAP) <= 2 * 7 + 4, "%llu mmap calls",
          (unsigned long long)calls_since(&c0, HK_OS_MMAP));
    for (int k = 0; k < 2; k++)
        for (size_t n = 200000; n <= 40 * MIB; n += HK_OS_PAGE)
            if (p[k][n - 1] != (unsigned char)(n / HK_OS_PAGE + k)) {
                CHECK(0, "block %d: byte %zu lost", k, n - 1);
                break;
            }
    hk_free_fast(a, h, p[0]);
    hk_free_fast(a, h, p[1]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Free a touched 8 MiB block, then grow a block from `first` bytes a page
 * at a time to nearly that size: the page faults it took, the calls it
 * made in cd, the bytes purged in purged. */
static long grow_after_free(size_t first, hk_os_counts *cd, uint64_t *purged)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    if (first <= HK_SMALL_MAX) { /* its slab mapped and faulted in */
        unsigned char *small = hk_malloc_fast(a, h, first);
        touch_faults(small, first);
        hk_free_fast(a, h, small);
    }
    unsigned char *p = hk_malloc_fast(a, h, 8 * MIB);
    touch_faults(p, 8 * MIB);
    hk_free_fast(a, h, p);

    hk_os_counts c0 = counts();
    uint64_t purged0 = stats(a).purged_bytes;
    unsigned char *q = hk_malloc_fast(a, h, first);
    long faults = touch_faults(q, first);
    for (size_t n = first; n <= 8 * MIB - HK_OS_PAGE; n += HK_OS_PAGE) {
        q = hk_alloc_realloc(a, h, q, n);
        faults += touch_faults(q + n - HK_OS_PAGE, HK_OS_PAGE);
    }
    CHECK(unit_span_of(q) == unit_span_of(p),
          "from %zu bytes: the growing block did not reuse the freed span",
          first);
    for (int k = 0; k < HK_OS_CALLS; k++)
        cd->calls[k] = calls_since(&c0, k);
    *purged = stats(a).purged_bytes - purged0;
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
    return faults;
}

/*
 * After a larger block was freed, a block grows into its span with no
 * call and no fault: a large block that malloc made takes the span's
 * head and leaves the rest cached, dirty pages and all, and takes them
 * back as it grows; one that realloc made, growing out of the small
 * classes, does the same.
 */
static void growth_reuses_freed_span(void)
{
    hk_os_counts cd;
    uint64_t purged;
    long faults = grow_after_free(132 << 10, &cd, &purged);
    for (int k = 0; k < HK_OS_CALLS; k++)
        CHECK(cd.calls[k] == 0, "growing from a large block: %s made",
              hk_os_call_names[k]);
    CHECK_EQ(purged, 0);
    CHECK(faults <= 16, "%ld faults growing from a large block", faults);

    faults = grow_after_free(64 << 10, &cd, &purged);
    for (int k = 0; k < HK_OS_CALLS; k++)
        CHECK(cd.calls[k] == 0, "growing from a small block: %s made",
              hk_os_call_names[k]);
    CHECK(faults <= 16, "%ld faults growing from a small block", faults);
}

static void cache_bounded_by_large_cache(void)
{
    static const char *const small[] = {"large_cache=4M", NULL};
    hk_allocator *a = fresh(small);
    hk_heap *h = hk_heap_create(a);
    void *p[16];
    for (int i = 0; i < 16; i++)
        p[i] = hk_malloc_fast(a, h, 1 << 20);
    for (int i = 0; i < 16; i++)
        hk_free_fast(a, h, p[i]);
    CHECK(stats(a).cached_bytes <= 4 * MIB, "cached %llu",
          (unsigned long long)stats(a).cached_bytes);
    CHECK(a->large.spans.count >= 2, "cached %u spans", a->large.spans.count);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Free `count` blocks of `size`, allocated together. */
static void peak_then_free(hk_allocator *a, hk_heap *h, int count,
                           size_t size)
{
    void *p[64];
    for (int i = 0; i < count; i++)
        p[i] = hk_malloc_fast(a, h, size);
    for (int i = 0; i < count; i++)
        hk_free_fast(a, h, p[i]);
}

static void limit_follows_recent_peak(void)
{
    static const char *const big[] = {"large_cache=1G", "purge_delay=100",
                                      NULL};
    static const char *const capped[] = {"large_cache=64M", NULL};
    hk_allocator *a = fresh(big);
    hk_heap *h = hk_heap_create(a);
    hk_os_counts c0 = counts();
    peak_then_free(a, h, 20, 10 * MIB);
    hk_large_stats s = stats(a);
    CHECK(s.cached_bytes >= 200 * MIB, "a peak of %llu left %llu cached",
          (unsigned long long)s.peak_bytes,
          (unsigned long long)s.cached_bytes);
    CHECK_EQ(calls_since(&c0, HK_OS_MUNMAP), 0);
    /* Unused, the peak fades and the cache with it, to the floor. */
    for (int step = 1; step <= 60; step++) {
        set_clock(clock_ns + 100 * MS);
        hk_large_decay_due(a, clock_ns);
    }
    s = stats(a);
    CHECK(s.cached_bytes <= 32 * MIB && s.cached_bytes > 0,
          "after the peak faded, %llu cached",
          (unsigned long long)s.cached_bytes);
    CHECK(s.unmapped > 0, "nothing unmapped");
    hk_heap_destroy(h);
    hk_alloc_destroy(a);

    a = fresh(capped);
    h = hk_heap_create(a);
    peak_then_free(a, h, 20, 10 * MIB);
    CHECK(stats(a).cached_bytes <= 64 * MIB, "cached %llu over the cap",
          (unsigned long long)stats(a).cached_bytes);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* A program whose large use swings from nothing to its peak and back
 * within every delay keeps its cache: decay steps that fall between two
 * swings find the peak of the last delay, not the nothing in use now. */
static void swings_keep_the_cache(void)
{
    static const char *const d100[] = {"purge_delay=100", NULL};
    hk_allocator *a = fresh(d100);
    hk_heap *h = hk_heap_create(a);
    peak_then_free(a, h, 20, 10 * MIB);
    hk_os_counts c0 = counts();
    for (int swing = 0; swing < 12; swing++) {
        set_clock(clock_ns + 40 * MS);
        hk_large_decay_due(a, clock_ns);
        peak_then_free(a, h, 20, 10 * MIB);
    }
    CHECK_EQ(calls_since(&c0, HK_OS_MMAP), 0);
    CHECK_EQ(calls_since(&c0, HK_OS_MUNMAP), 0);
    CHECK(stats(a).cached_bytes >= 200 * MIB, "%llu cached",
          (unsigned long long)stats(a).cached_bytes);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static size_t dirty_of(hk_allocator *a, unsigned i)
{
    const hk_span *s = hk_spans_oldest(&a->large.spans, i);
    return s ? s->dirty : 0;
}

static void decay_half_per_delay(void)
{
    static const char *const d100[] = {"purge_delay=100", NULL};
    hk_allocator *a = fresh(d100);
    hk_heap *h = hk_heap_create(a);
    uint64_t t0 = clock_ns;
    void *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = hk_malloc_fast(a, h, 4 * MIB - 4096);
    for (int i = 0; i < 4; i++) {
        set_clock(t0 + (uint64_t)i * MS);
        hk_free_fast(a, h, p[i]);
    }
    CHECK_EQ(a->large.spans.count, 4);
    size_t span = hk_spans_oldest(&a->large.spans, 0)->bytes;
    hk_os_counts c0 = counts();

    set_clock(t0 + 99 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK_EQ(calls_since(&c0, HK_OS_MADVISE), 0);

    /* One delay on: half of the idle bytes, the oldest spans first. */
    set_clock(t0 + 103 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK_EQ(calls_since(&c0, HK_OS_MADVISE), 2);
    CHECK_EQ(counts().bytes[HK_OS_MADVISE] - c0.bytes[HK_OS_MADVISE],
             2 * span);
    CHECK(dirty_of(a, 0) == 0 && dirty_of(a, 1) == 0 &&
              dirty_of(a, 2) == span && dirty_of(a, 3) == span,
          "dirty %zu %zu %zu %zu", dirty_of(a, 0), dirty_of(a, 1),
          dirty_of(a, 2), dirty_of(a, 3));

    /* Before the next delay, nothing; then half of the rest. */
    set_clock(t0 + 200 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK_EQ(calls_since(&c0, HK_OS_MADVISE), 2);
    set_clock(t0 + 203 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK(dirty_of(a, 2) == 0 && dirty_of(a, 3) == span, "dirty %zu %zu",
          dirty_of(a, 2), dirty_of(a, 3));

    /* Back after a pause of four delays: idle time starts again
     * (pause.h), nothing goes. */
    set_clock(t0 + 603 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK(dirty_of(a, 3) == span, "dirty %zu after a pause", dirty_of(a, 3));
    CHECK_EQ(atomic_load(&a->large.spans.next_decay), t0 + 703 * MS);

    /* Seen next four delays later, with nothing between: 15/16 of what
     * is left, not all of it. */
    set_clock(t0 + 1003 * MS);
    hk_large_decay_due(a, clock_ns);
    size_t left = dirty_of(a, 3);
    CHECK(left > 0 && left <= span / 16 + HK_OS_PAGE, "left %zu of %zu",
          left, span);

    /* A forced purge takes the rest and ends the decay. */
    CHECK_EQ(hk_alloc_trim(a, h), left);
    CHECK_EQ(atomic_load(&a->large.spans.next_decay), UINT64_MAX);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* A block split from an idle span and given back within the delay leaves
 * the span its age: one delay after the span went idle, half of it goes,
 * though part of it was in use a moment ago. */
static void split_leaves_span_age(void)
{
    static const char *const d100[] = {"purge_delay=100", NULL};
    hk_allocator *a = fresh(d100);
    uint64_t t0 = clock_ns;
    /* No heap: nothing is kept (keep.h), every free reaches the cache. */
    hk_free_fast(a, NULL, hk_malloc_fast(a, NULL, 8 * MIB));
    CHECK_EQ(a->large.spans.count, 1);
    size_t span = hk_spans_oldest(&a->large.spans, 0)->bytes;
    for (uint64_t at = 10; at <= 90; at += 10) {
        set_clock(t0 + at * MS);
        hk_free_fast(a, NULL, hk_malloc_fast(a, NULL, 300 * 1024));
    }
    CHECK_EQ(a->large.spans.count, 1);
    CHECK_EQ(hk_spans_oldest(&a->large.spans, 0)->freed_at, t0);
    hk_os_counts c0 = counts();
    set_clock(t0 + 103 * MS);
    hk_large_decay_due(a, clock_ns);
    CHECK_EQ(counts().bytes[HK_OS_MADVISE] - c0.bytes[HK_OS_MADVISE],
             hk_os_page_up(span / 2));
    hk_alloc_destroy(a);
}

/* Small activity lets large spans decay: the pool's slow paths call in.
 * Small blocks every 5 ms, for 50 ms, with purge_delay=10. */
static void small_activity_drives_decay(void)
{
    static const char *const d10[] = {"purge_delay=10", NULL};
    hk_allocator *a = fresh(d10);
    hk_heap *h = hk_heap_create(a);
    hk_free_fast(a, h, hk_malloc_fast(a, h, 8 * MIB));
    uint64_t purged = stats(a).purged;
    void **p = hk_malloc_fast(a, h, 4096 * sizeof *p);
    for (int i = 0; i < 4096; i++) {
        if (i % 400 == 0) /* a new slab every 64 blocks or so */
            set_clock(clock_ns + 5 * MS);
        p[i] = hk_malloc_fast(a, h, 1024);
    }
    CHECK(stats(a).purged > purged, "no large purge on small activity");
    for (int i = 0; i < 4096; i++)
        hk_free_fast(a, h, p[i]);
    hk_free_fast(a, h, p);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/*
 * Every other block freed, by a thread without a heap so that none is
 * kept (keep.h): no two freed spans touch, and blocks of 256 KiB fill
 * the mappings they are packed into (8 MiB) with nothing left over, so
 * each freed block takes one slot of its own.
 */
static void slots_overflow_evicts_oldest(void)
{
    static const char *const roomy[] = {"large_cache=4g", NULL};
    enum { FREED = HK_SPANS_SLOTS + 32 };
    static void *p[2 * FREED];
    hk_allocator *a = fresh(roomy);
    hk_heap *h = NULL;
    for (int i = 0; i < 2 * FREED; i++)
        p[i] = hk_malloc_fast(a, h, (256 << 10) - HK_LARGE_HEADER);
    for (int i = 0; i < FREED; i++)
        hk_free_fast(a, h, p[2 * i]);
    CHECK_EQ(a->large.spans.count, HK_SPANS_SLOTS);
    CHECK_EQ(stats(a).unmapped, 32);
    CHECK(hk_spans_oldest(&a->large.spans, 0)->base ==
              (char *)unit_span_of(p[64]),
          "the oldest were not evicted");
    for (int i = 0; i < FREED; i++)
        hk_free_fast(a, h, p[2 * i + 1]);
    hk_alloc_destroy(a);
}

/*
 * Random sizes from 130 KiB to `most`, malloc, calloc and realloc, freed
 * in random order: every block keeps its bytes, calloc reads zero, and
 * the ownership map finds every live block with its own size (a block
 * found under another's header would make free stop the program, or
 * worse).
 */
static void churn(size_t most)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    enum { LIVE = 24 };
    unsigned char *p[LIVE] = {0};
    size_t n[LIVE] = {0};
    unsigned seed[LIVE] = {0};
    uint64_t x = 12345;
    int failures = check_failures;
    for (unsigned step = 0; step < 1500 && check_failures == failures;
         step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned i = (unsigned)(x >> 33) % LIVE;
        size_t size = (130 << 10) + (size_t)(x >> 13) % most;
        if (p[i]) {
            CHECK_EQ(first_unfilled(p[i], n[i], seed[i]), n[i]);
            if ((x >> 7) % 4 == 0) {
                p[i] = hk_alloc_realloc(a, h, p[i], size);
                size_t keep = n[i] < size ? n[i] : size;
                CHECK_EQ(first_unfilled(p[i], keep, seed[i]), keep);
            } else {
                hk_free_fast(a, h, p[i]);
                p[i] = NULL;
            }
        }
        if (!p[i] && (x >> 9) % 2) {
            p[i] = hk_alloc_calloc(a, h, 1, size);
            CHECK_EQ(first_not(p[i], size, 0), size);
        } else if (!p[i]) {
            p[i] = hk_malloc_fast(a, h, size);
        }
        n[i] = size;
        seed[i] = step;
        fill(p[i], size, seed[i]);
        for (unsigned j = 0; j < LIVE; j++) {
            size_t got = p[j] ? hk_alloc_usable_size(a, p[j]) : 0;
            CHECK(!p[j] || got >= n[j], "block %u of %zu bytes found with %zu",
                  j, n[j], got);
            /* A block found under another's header would overlap it. */
            for (unsigned k = 0; p[j] && k < j; k++)
                CHECK(!p[k] || p[k] + hk_alloc_usable_size(a, p[k]) <= p[j] ||
                          p[j] + got <= p[k],
                      "blocks %u and %u overlap", k, j);
        }
        set_clock(clock_ns + MS);
    }
    for (unsigned i = 0; i < LIVE; i++)
        if (p[i]) {
            CHECK_EQ(first_unfilled(p[i], n[i], seed[i]), n[i]);
            hk_free_fast(a, h, p[i]);
        }
    hk_large_stats s = stats(a);
    CHECK(s.cache_splits && s.cache_grows && s.merges && s.resizes,
          "up to %zu: splits %llu grows %llu merges %llu resizes %llu", most,
          (unsigned long long)s.cache_splits,
          (unsigned long long)s.cache_grows, (unsigned long long)s.merges,
          (unsigned long long)s.resizes);
    CHECK_EQ(s.live_bytes, 0);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/*
 * Blocks packed into one granule of the ownership map are each found with
 * their own size, before and after their neighbours are freed, and the
 * granule's directory goes once the last of them does.
 */
static void packed_blocks_each_found(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = NULL; /* nothing kept: every free reaches the map */
    enum { N = 6 };
    char *p[N];
    size_t n[N];
    for (int i = 0; i < N; i++) {
        n[i] = (130 << 10) + (size_t)i * 5000;
        p[i] = hk_malloc_fast(a, h, n[i]);
    }
    uintptr_t granule = (uintptr_t)p[0] >> HK_REG_SHIFT;
    CHECK((uintptr_t)p[1] >> HK_REG_SHIFT == granule,
          "blocks %p and %p were not packed", (void *)p[0], (void *)p[1]);
    for (int gone = 0; gone <= N; gone++) {
        for (int i = gone; i < N; i++) {
            size_t got = hk_alloc_usable_size(a, p[i]);
            CHECK(got >= n[i] && got < n[i] + HK_OS_PAGE,
                  "block %d of %zu bytes found with %zu", i, n[i], got);
        }
        if (gone < N)
            hk_free_fast(a, h, p[gone]);
    }
    CHECK_EQ(hk_registry_get(&a->registry, granule << HK_REG_SHIFT), 0);
    hk_alloc_destroy(a);
}

/*
 * Blocks packed page by page start past their headers by colors: whole
 * lines, in the span's first page, as many different ones as their
 * spans start at different pages (up to 63), and never at the cost of a
 * page: a span is what the block would take at the first color.  A block
 * whose last page has room for one line more gets at most that one.
 * Every byte reads back as written.
 */
static void colors_spread_blocks_within_their_pages(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = NULL;
    enum { N = 32 };
    const size_t n = (200 << 10) + 100; /* 3,932 bytes of slack */
    char *p[N];
    int seen[64] = {0}, colors = 0;
    for (int i = 0; i < N; i++) {
        p[i] = hk_malloc_fast(a, h, n);
        CHECK(p[i] != NULL, "no block");
        const hk_large_hdr *hdr = (const hk_large_hdr *)unit_span_of(p[i]);
        size_t off = (size_t)(p[i] - (const char *)hdr);
        CHECK(off == hdr->offset && off % 64 == 0 && off >= HK_LARGE_HEADER &&
                  off < HK_OS_PAGE,
              "block %d at %zu bytes past its span", i, off);
        CHECK_EQ(hdr->bytes, hk_large_need(n, HK_LARGE_HEADER));
        colors += !seen[off / 64]++;
        memset(p[i], i + 1, n);
    }
    CHECK(colors >= N / 2, "%d colors for %d blocks", colors, N);
    for (int i = 0; i < N; i++) {
        CHECK(first_not((unsigned char *)p[i], n, (unsigned char)(i + 1)) ==
                  n,
              "block %d changed", i);
        hk_free_fast(a, h, p[i]);
    }
    /* 63 bytes of slack past a line: one color at most. */
    size_t tight = 51 * HK_OS_PAGE - HK_LARGE_HEADER - 64 - 63;
    for (int i = 0; i < 8; i++) {
        char *q = hk_malloc_fast(a, h, tight);
        size_t off = (size_t)(q - (char *)unit_span_of(q));
        CHECK(off == HK_LARGE_HEADER || off == HK_LARGE_HEADER + 64,
              "a block with a line of slack starts %zu bytes in", off);
        q[tight - 1] = 1;
        hk_free_fast(a, h, q);
    }
    hk_alloc_destroy(a);
}

static void churn_finds_every_block(void)
{
    churn(16 * MIB);
    /* Blocks packed several to a granule. */
    churn(2 * MIB);
}

/* A program may cut a block's mapping into two of the kernel's areas (a
 * madvise or mprotect of part of it), which mremap cannot grow across:
 * realloc then moves the block, its bytes with it, and does not fail. */
static void realloc_moves_a_cut_block(void)
{
    hk_allocator *a = fresh(NULL);
    hk_heap *h = hk_heap_create(a);
    size_t n = 4 * MIB;
    unsigned char *p = hk_malloc_fast(a, h, n);
    fill(p, n, 3);
    unsigned char *page =
        (unsigned char *)(((uintptr_t)p + MIB) & ~(uintptr_t)(HK_OS_PAGE - 1));
    CHECK(madvise(page, HK_OS_PAGE, MADV_NOHUGEPAGE) == 0, "madvise: %s",
          strerror(errno));
    unsigned char *q = hk_alloc_realloc(a, h, p, 64 * MIB);
    CHECK(q != NULL, "realloc failed: %s", strerror(errno));
    if (q) {
        CHECK_EQ(first_unfilled(q, n, 3), n);
        fill(q, 64 * MIB, 4);
        CHECK_EQ(first_unfilled(q, 64 * MIB, 4), 64 * MIB);
        hk_free_fast(a, h, q);
    }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

UNIT_MAIN(TEST(loop_maps_once), TEST(no_cache_maps_every_time),
          TEST(calloc_zeroes_reused_memory), TEST(calloc_skips_known_zero),
          TEST(similar_size_reuses_pages), TEST(split_then_join),
          TEST(grow_moves_pages), TEST(grow_in_room_keeps_place),
          TEST(realloc_resizes_in_place), TEST(realloc_moves_a_cut_block),
          TEST(realloc_keeps_contents), TEST(growth_reserves_ahead),
          TEST(growth_reuses_freed_span), TEST(cache_bounded_by_large_cache),
          TEST(limit_follows_recent_peak), TEST(swings_keep_the_cache),
          TEST(decay_half_per_delay),
          TEST(split_leaves_span_age),
          TEST(small_activity_drives_decay),
          TEST(slots_overflow_evicts_oldest),
          TEST(packed_blocks_each_found), TEST(churn_finds_every_block),
          TEST(colors_spread_blocks_within_their_pages))
