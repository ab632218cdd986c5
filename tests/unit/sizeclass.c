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

/* A power of two and a header of at most an eighth of it is rounded up
 * to 9/8 of it, up to 8 KiB; above that, to 5/4. */
static void header_above_power_of_two_rounds_by_an_eighth(void)
{
    for (size_t p = 128; p <= HK_SMALL_MAX / 2; p *= 2)
        for (size_t header = 8; header <= p / 8; header *= 2) {
            size_t n = p + header, size = hk_class_size(hk_class_of(n));
            size_t most = p < HK_FINE_MAX ? p + p / 8 : p + p / 4;
            CHECK(size <= most, "n=%zu size=%zu", n, size);
        }
    /* sqlite3's page buffers and jq's values */
    CHECK_EQ(hk_class_size(hk_class_of(4096 + 272)), 4608);
    CHECK_EQ(hk_class_size(hk_class_of(256 + 16)), 288);
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
          TEST(header_above_power_of_two_rounds_by_an_eighth),
          TEST(fast_table_matches_formula))
