/*
 * usage.c - hk_alloc_usage (core/usage.h) against the test's own count of
 * the blocks it holds and has freed: what the program holds, what the
 * fronts and outboxes hold, what lies free on slabs, and the rest, which
 * must add up to the SuperSlabs mapped.
 */
#include "unit.h"

#include "core/usage.h"

#define BLOCKS 300
#define FREED 120

/* Every byte of the SuperSlabs mapped falls in exactly one part: the
 * parts are counted apart, unit by unit and block by block. */
static hk_usage usage_of(hk_allocator *a)
{
    hk_usage u;
    hk_alloc_usage(a, &u);
    CHECK_EQ(u.small_in_use + u.front_cached + u.slab_free + u.uncarved +
                 u.unused,
             u.ss_bytes);
    return u;
}

/* Without front caches (shared_pool=0) every block goes straight back
 * to its slab: the split is exact, and only the slab's never-cut bytes
 * and its SuperSlab's other units are left over. */
static void split_without_fronts(void)
{
    static const char *const settings[] = {"shared_pool=0", "prewarm=0",
                                           NULL};
    hk_allocator *a = unit_alloc(settings);
    hk_heap *h = hk_heap_create(a);
    void *p[BLOCKS];
    for (unsigned i = 0; i < BLOCKS; i++)
        p[i] = hk_malloc_fast(a, h, 64);
    hk_usage u = usage_of(a);
    CHECK_EQ(u.small_in_use, BLOCKS * 64);
    CHECK_EQ(u.front_cached, 0);
    CHECK_EQ(u.slab_free, 0);
    for (unsigned i = 0; i < FREED; i++)
        hk_free_fast(a, h, p[i]);
    u = usage_of(a);
    CHECK_EQ(u.small_in_use, (BLOCKS - FREED) * 64);
    CHECK_EQ(u.slab_free, FREED * 64);
    size_t slab = (size_t)a->cls[hk_class_of(64)].units << a->unit_shift;
    CHECK(u.uncarved < slab, "uncarved %llu of a %zu-byte slab",
          (unsigned long long)u.uncarved, slab);
    CHECK(u.unused >= u.ss_bytes - slab, "unused %llu, SuperSlab %llu",
          (unsigned long long)u.unused, (unsigned long long)u.ss_bytes);
    for (unsigned i = FREED; i < BLOCKS; i++)
        hk_free_fast(a, h, p[i]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* With fronts, freed blocks wait there first; flushed, they are free on
 * their slab; and a block of a class whose blocks share cache lines,
 * freed by a heap that does not own it, waits in that heap's outbox. */
static void fronts_and_outboxes(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a), *other = hk_heap_create(a);
    unsigned c = hk_class_of(64);
    void *p[BLOCKS];
    for (unsigned i = 0; i < BLOCKS; i++)
        p[i] = hk_malloc_fast(a, h, 64);
    hk_usage before = usage_of(a);
    CHECK_EQ(before.small_in_use, BLOCKS * 64);
    CHECK_EQ(before.front_cached, (uint64_t)h->front[c].count * 64);
    for (unsigned i = 0; i < FREED; i++)
        hk_free_fast(a, h, p[i]);
    hk_usage u = usage_of(a);
    CHECK_EQ(u.small_in_use, (BLOCKS - FREED) * 64);
    CHECK_EQ(u.front_cached, (uint64_t)h->front[c].count * 64);
    CHECK_EQ(u.front_cached + u.slab_free,
             before.front_cached + before.slab_free + FREED * 64);
    hk_heap_flush(h, c, h->front[c].count);
    u = usage_of(a);
    CHECK_EQ(u.front_cached, 0);
    CHECK_EQ(u.slab_free, before.front_cached + before.slab_free +
                              FREED * 64);

    void *shared = hk_malloc_fast(a, h, 48);
    CHECK(hk_shares_lines(48), "48-byte blocks share lines");
    hk_usage held = usage_of(a);
    hk_free_fast(a, other, shared);
    CHECK_EQ(other->outbox_count, 1);
    u = usage_of(a);
    CHECK_EQ(u.small_in_use, held.small_in_use - 48);
    CHECK_EQ(u.front_cached, held.front_cached + 48);

    for (unsigned i = FREED; i < BLOCKS; i++)
        hk_free_fast(a, h, p[i]);
    hk_heap_destroy(other);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

UNIT_MAIN(TEST(split_without_fronts), TEST(fronts_and_outboxes))
