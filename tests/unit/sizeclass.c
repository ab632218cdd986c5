/*
 * sizeclass.c - the size-class mapping is exact: the class of n is the
 * smallest class that holds n, every class keeps 16-byte alignment, and
 * the table the malloc fast path uses agrees with the formula.
 */
#include "unit.h"

static void class_of_is_smallest_fit(void)
{
    for (size_t n = 0; n <= HK_SMALL_MAX; n++) {
        unsigned c = hk_class_of(n);
        CHECK(c < HK_CLASSES, "n=%zu c=%u", n, c);
        CHECK(hk_class_size(c) >= n, "n=%zu size=%zu", n, hk_class_size(c));
        if (c > 0)
            CHECK(hk_class_size(c - 1) < n, "n=%zu c=%u", n, c);
    }
    CHECK_EQ(hk_class_of(HK_SMALL_MAX), HK_CLASSES - 1);
    CHECK_EQ(hk_class_size(HK_CLASSES - 1), HK_SMALL_MAX);
}

static void sizes_are_aligned_and_increasing(void)
{
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        CHECK(hk_class_size(c) % 16 == 0, "class %u size %zu", c,
              hk_class_size(c));
        if (c)
            CHECK(hk_class_size(c) > hk_class_size(c - 1), "class %u", c);
        CHECK_EQ(hk_class_of(hk_class_size(c)), c);
    }
    for (size_t p = 16; p <= 4096; p *= 2)
        CHECK(hk_class_size(hk_class_of(p)) == p, "power of two %zu", p);
}

static void fast_table_matches_formula(void)
{
    for (size_t n = 0; n <= HK_FAST_MAX; n++)
        CHECK_EQ(hk_class_of_small(n), hk_class_of(n));
    hk_allocator *a = unit_alloc(NULL);
    for (size_t n = 0; n <= HK_FAST_MAX; n++)
        CHECK_EQ(a->front_of_small[(n + 15) >> 4],
                 hk_front_at(hk_class_of(n)));
    for (size_t n = HK_FAST_MAX + 1; n <= HK_SMALL_MAX; n++)
        CHECK_EQ(a->front_of_medium[(n + HK_MEDIUM_STEP - 1) / HK_MEDIUM_STEP],
                 hk_front_at(hk_class_of(n)));
    hk_alloc_destroy(a);
}

UNIT_MAIN(TEST(class_of_is_smallest_fit),
          TEST(sizes_are_aligned_and_increasing),
          TEST(fast_table_matches_formula))
