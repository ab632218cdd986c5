/*
 * keep.c - a thread's kept large blocks: a freed block serves the
 * thread's next allocation it holds with little waste, with no trip to
 * the large cache; the keep stays within its bounds, gives blocks back to
 * the cache when displaced, on exit, on malloc_trim and once unused for
 * purge_delay; calloc and aligned requests get what they ask for; and
 * the statistics count kept blocks as cached, not live.
 *
 * Time is the trace clock (hk_os_follow_clock), set by each test.
 */
#include "unit.h"

#include "core/keep.h"

#define KB ((size_t)1 << 10)
#define MS 1000000ull

static hk_stats_snapshot stats(hk_allocator *a)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    return s;
}

static hk_allocator *fresh(hk_heap **h)
{
    static const char *const settings[] = {"purge_delay=100", NULL};
    hk_os_follow_clock(1000 * MS);
    hk_allocator *a = unit_alloc(settings);
    *h = hk_heap_create(a);
    return a;
}

/* Fill n bytes of p with a pattern of seed, or check that they hold it. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static bool holds(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + seed))
            return false;
    return true;
}

static void kept_block_serves_the_next_allocation(void)
{
    hk_heap *h;
    hk_allocator *a = fresh(&h);
    unsigned char *p = hk_malloc_fast(a, h, 300 * KB);
    fill(p, 300 * KB, 1);
    hk_free_fast(a, h, p);
    hk_stats_snapshot s = stats(a);
    CHECK_EQ(s.large.kept, 1);
    CHECK_EQ(s.large.frees, 0);
    CHECK_EQ(s.large.live_bytes, 0);
    CHECK(s.large.cached_bytes >= 300 * KB, "cached %llu",
          (unsigned long long)s.large.cached_bytes);

    unsigned char *q = hk_malloc_fast(a, h, 280 * KB);
    CHECK(q == p, "the kept block was not reused");
    CHECK(hk_alloc_usable_size(a, q) >= 280 * KB, "too small");
    fill(q, 280 * KB, 2);
    CHECK(holds(q, 280 * KB, 2), "bytes written did not read back");
    s = stats(a);
    CHECK_EQ(s.large.allocs, 1);
    CHECK_EQ(s.large.kept_hits, 1);
    CHECK(s.large.live_bytes >= 280 * KB, "live %llu",
          (unsigned long long)s.large.live_bytes);
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* A request a kept block would hold only with much to spare goes to the
 * large cache; so does a different alignment. */
static void kept_block_must_fit(void)
{
    hk_heap *h;
    hk_allocator *a = fresh(&h);
    void *big = hk_malloc_fast(a, h, 600 * KB);
    hk_free_fast(a, h, big);
    void *small = hk_malloc_fast(a, h, 200 * KB);
    CHECK(small != big, "a 600 KB block served 200 KB");
    void *aligned = hk_alloc_aligned(a, h, 64 * KB, 590 * KB);
    CHECK(aligned != big && (uintptr_t)aligned % (64 * KB) == 0,
          "aligned request got %p", aligned);
    void *same = hk_malloc_fast(a, h, 590 * KB);
    CHECK(same == big, "the kept block was not reused");
    hk_free_fast(a, h, aligned);
    void *again = hk_alloc_aligned(a, h, 64 * KB, 580 * KB);
    CHECK(again == aligned, "the kept aligned block was not reused");
    hk_free_fast(a, h, small);
    hk_free_fast(a, h, same);
    hk_free_fast(a, h, again);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void calloc_of_a_kept_block_reads_zero(void)
{
    hk_heap *h;
    hk_allocator *a = fresh(&h);
    unsigned char *p = hk_malloc_fast(a, h, 300 * KB);
    memset(p, 0xaa, 300 * KB);
    hk_free_fast(a, h, p);
    unsigned char *q = hk_alloc_calloc(a, h, 1, 290 * KB);
    CHECK(q == p, "calloc did not reuse the kept block");
    size_t nonzero = 0;
    for (size_t i = 0; i < 290 * KB; i++)
        nonzero += q[i] != 0;
    CHECK_EQ(nonzero, 0);
    hk_free_fast(a, h, q);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Two frees more than it holds: the keep holds the newest
 * HK_KEEP_BLOCKS, within HK_KEEP_BYTES; the older ones went to the
 * cache. */
static void keep_is_bounded(void)
{
    enum { FREED = HK_KEEP_BLOCKS + 2 };
    hk_heap *h;
    hk_allocator *a = fresh(&h);
    void *p[FREED];
    for (unsigned i = 0; i < FREED; i++)
        p[i] = hk_malloc_fast(a, h, 300 * KB);
    for (unsigned i = 0; i < FREED; i++)
        hk_free_fast(a, h, p[i]);
    CHECK_EQ(h->keep.count, HK_KEEP_BLOCKS);
    CHECK(h->keep.bytes <= HK_KEEP_BYTES, "kept %llu bytes",
          (unsigned long long)h->keep.bytes);
    hk_stats_snapshot s = stats(a);
    CHECK_EQ(s.large.frees, FREED - HK_KEEP_BLOCKS);
    CHECK_EQ(s.large.kept, FREED);
    for (unsigned i = 0; i < HK_KEEP_BLOCKS; i++)
        CHECK(h->keep.block[i] != NULL &&
                  (char *)h->keep.block[i] + h->keep.block[i]->offset ==
                      p[FREED - HK_KEEP_BLOCKS + i],
              "kept block %u is not the %u-th freed", i,
              FREED - HK_KEEP_BLOCKS + i);
    /* Blocks larger than half the keep go to the cache at once. */
    void *big = hk_malloc_fast(a, h, HK_KEEP_BYTES);
    hk_free_fast(a, h, big);
    CHECK_EQ(stats(a).large.kept, FREED);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* The keep goes back to the cache when the thread exits, on trim, and
 * once the thread has not used it for purge_delay (seen at the ticks of
 * its fronts). */
static void keep_goes_back(void)
{
    hk_heap *h;
    hk_allocator *a = fresh(&h);
    hk_free_fast(a, h, hk_malloc_fast(a, h, 300 * KB));
    hk_heap_destroy(h);
    hk_stats_snapshot s = stats(a);
    CHECK_EQ(s.large.frees, 1);
    CHECK_EQ(s.large.live_bytes, 0);

    h = hk_heap_create(a);
    hk_free_fast(a, h, hk_malloc_fast(a, h, 300 * KB));
    CHECK_EQ(h->keep.count, 1);
    hk_alloc_trim(a, h);
    CHECK_EQ(h->keep.count, 0);
    CHECK_EQ(stats(a).large.frees, 2);

    hk_free_fast(a, h, hk_malloc_fast(a, h, 300 * KB));
    for (unsigned i = 0; i < 2 * HK_TICK; i++) /* ticks, within the delay */
        hk_free_fast(a, h, hk_malloc_fast(a, h, 64));
    CHECK_EQ(h->keep.count, 1);
    hk_os_follow_clock(1200 * MS);
    for (unsigned i = 0; i < HK_TICK; i++)
        hk_free_fast(a, h, hk_malloc_fast(a, h, 64));
    CHECK_EQ(h->keep.count, 0);
    CHECK_EQ(stats(a).large.frees, 3);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* The keeps of all live threads share a quarter of large_cache: with
 * 16 MiB, one thread keeps a block of 300 KB, and so do four (1 MiB
 * each, blocks up to half of that), but not eight (512 KiB each); none
 * keeps anything with large_cache=0. */
static void keeps_share_a_quarter_of_the_cache(void)
{
    static const char *const sixteen[] = {"large_cache=16m", NULL};
    static const char *const none[] = {"large_cache=0", NULL};
    const struct {
        const char *const *settings;
        unsigned threads;
        uint64_t kept;
    } cases[] = {{sixteen, 1, 1}, {sixteen, 4, 1}, {sixteen, 8, 0},
                 {none, 1, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        hk_os_follow_clock(1000 * MS);
        hk_allocator *a = unit_alloc(cases[c].settings);
        hk_heap *h[8];
        for (unsigned i = 0; i < cases[c].threads; i++)
            h[i] = hk_heap_create(a);
        void *p = hk_malloc_fast(a, h[0], 300 * KB);
        fill(p, 300 * KB, 5);
        hk_free_fast(a, h[0], p);
        CHECK(stats(a).large.kept == cases[c].kept,
              "case %zu: %u threads kept %llu blocks", c, cases[c].threads,
              (unsigned long long)stats(a).large.kept);
        for (unsigned i = 0; i < cases[c].threads; i++)
            hk_heap_destroy(h[i]);
        hk_alloc_destroy(a);
    }
}

UNIT_MAIN(TEST(kept_block_serves_the_next_allocation),
          TEST(kept_block_must_fit), TEST(calloc_of_a_kept_block_reads_zero),
          TEST(keep_is_bounded), TEST(keep_goes_back),
          TEST(keeps_share_a_quarter_of_the_cache))
