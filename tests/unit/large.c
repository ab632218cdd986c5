/*
 * large.c - large blocks: a malloc/free loop maps once, calloc zeroes a
 * reused mapping, the cache stays within large_cache, and realloc keeps
 * contents across the small/large boundary.
 */
#include "unit.h"

static uint64_t mmaps(void)
{
    hk_os_counts c;
    hk_os_counts_get(&c);
    return c.calls[HK_OS_MMAP];
}

static void loop_maps_once(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    uint64_t m0 = mmaps();
    for (int i = 0; i < 1000; i++) {
        char *p = hk_malloc_fast(a, h, (1 << 20) + i);
        p[0] = p[(1 << 20) + i - 1] = 1;
        hk_free_fast(a, h, p);
    }
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    CHECK(mmaps() - m0 <= 2, "%llu mmaps", (unsigned long long)(mmaps() - m0));
    CHECK(s.large.cache_hits >= 998, "hits %llu",
          (unsigned long long)s.large.cache_hits);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void no_cache_maps_every_time(void)
{
    static const char *const off[] = {"large_cache=0", NULL};
    hk_allocator *a = unit_alloc(off);
    hk_heap *h = hk_heap_create(a);
    hk_free_fast(a, h, hk_malloc_fast(a, h, 1 << 20)); /* maps the registry */
    uint64_t m0 = mmaps();
    for (int i = 0; i < 100; i++)
        hk_free_fast(a, h, hk_malloc_fast(a, h, 1 << 20));
    CHECK_EQ(mmaps() - m0, 100);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void calloc_zeroes_reused_mapping(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    size_t n = 3 << 20;
    for (int round = 0; round < 3; round++) {
        unsigned char *p = hk_alloc_calloc(a, h, 1, n);
        for (size_t i = 0; i < n; i++)
            if (p[i]) {
                CHECK(0, "round %d byte %zu is %u", round, i, p[i]);
                break;
            }
        memset(p, 0xff, n);
        hk_free_fast(a, h, p);
    }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void cache_bounded_by_large_cache(void)
{
    static const char *const small[] = {"large_cache=4M", NULL};
    hk_allocator *a = unit_alloc(small);
    hk_heap *h = hk_heap_create(a);
    void *p[16];
    for (int i = 0; i < 16; i++)
        p[i] = hk_malloc_fast(a, h, 1 << 20);
    for (int i = 0; i < 16; i++)
        hk_free_fast(a, h, p[i]);
    CHECK(a->large.cached_bytes <= 4u << 20, "cached %zu",
          a->large.cached_bytes);
    CHECK(a->large.cached >= 2, "cached %u mappings", a->large.cached);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void realloc_keeps_contents(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    static const size_t sizes[] = {10, 100, 1000, 70000, 200000, 5000000,
                                   300000, 150, 16, 1};
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

UNIT_MAIN(TEST(loop_maps_once), TEST(no_cache_maps_every_time),
          TEST(calloc_zeroes_reused_mapping),
          TEST(cache_bounded_by_large_cache), TEST(realloc_keeps_contents))
