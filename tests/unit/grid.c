/*
 * grid.c - free's one-multiply test of "p starts a block of its slab"
 * (hk_ss_is_block) agrees with division, for every class, at every block
 * boundary and around it, below the first block and past the last, for
 * slabs at the start of a SuperSlab (behind its header), in the middle,
 * and at the far end of the largest SuperSlab.
 */
#include "unit.h"

static hk_ss ss; /* only its first unit's grid is used */

static void set_grid(uint32_t size, uint64_t first, uint64_t blocks)
{
    ss.unit[0].grid_first = (uint32_t)first;
    ss.unit[0].grid_mul = hk_grid_mul(size);
    atomic_store(&ss.unit[0].grid_lim, hk_grid_lim(size, blocks));
}

static int by_division(uint64_t off, uint64_t first, uint32_t size,
                       uint64_t blocks)
{
    return off >= first && (off - first) % size == 0 &&
           (off - first) / size < blocks;
}

static void check_geometry(uint32_t size, uint64_t first, uint64_t blocks)
{
    set_grid(size, first, blocks);
    static const int64_t deltas[] = {-17, -16, -9, -8, -1, 0, 1, 8, 15, 16, 17};
    int bad = 0;
    for (int64_t k = -3; k <= (int64_t)blocks + 3 && bad < 5; k++)
        for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
            int64_t off = (int64_t)first + k * (int64_t)size + deltas[d];
            if (off < 0)
                continue;
            int want = by_division((uint64_t)off, first, size, blocks);
            int got = hk_ss_is_block(&ss, 0, (uintptr_t)off);
            if (got != want && bad++ < 5)
                CHECK(got == want, "size %u first %" PRIu64 " blocks %" PRIu64
                      " offset %" PRId64 ": got %d", size, first, blocks,
                      off, got);
        }
    /* Everything below the first block, sampled. */
    for (uint64_t off = 0; off < first && bad < 5; off += 1 + off / 64) {
        int got = hk_ss_is_block(&ss, 0, (uintptr_t)off);
        if (got && bad++ < 5)
            CHECK(!got, "size %u first %" PRIu64 ": offset %" PRIu64
                  " below the first block passes", size, first, off);
    }
}

static void grid_agrees_with_division(void)
{
    const uint64_t unit = 64 * 1024, big_unit = 1024 * 1024;
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        uint32_t size = (uint32_t)hk_class_size(c);
        /* behind the header of a 2 MiB SuperSlab, as the pool carves it */
        uint64_t units = (8 * size + unit - 1) / unit;
        units = units < 8 ? units : 8;
        check_geometry(size, HK_SS_HEADER,
                       (units * unit - HK_SS_HEADER) / size);
        /* eight units in the middle of one */
        check_geometry(size, 5 * unit, 8 * unit / size);
        /* sixteen 1 MiB units at the end of a 64 MiB SuperSlab */
        check_geometry(size, 48 * big_unit, 16 * big_unit / size);
        check_geometry(size, 48 * big_unit, 1);
    }
}

/* Exhaustively, every offset of the first units, for the small classes. */
static void grid_exhaustive_small(void)
{
    for (unsigned c = 0; c < 12; c++) {
        uint32_t size = (uint32_t)hk_class_size(c);
        uint64_t first = HK_SS_HEADER, blocks = (65536 - first) / size;
        set_grid(size, first, blocks);
        int bad = 0;
        for (uint64_t off = 0; off < 2 * 65536 && bad < 5; off++) {
            int want = by_division(off, first, size, blocks);
            if (hk_ss_is_block(&ss, 0, (uintptr_t)off) != want && bad++ < 5)
                CHECK(0, "size %u offset %" PRIu64 ": want %d", size, off,
                      want);
        }
    }
}

UNIT_MAIN(TEST(grid_agrees_with_division), TEST(grid_exhaustive_small))
