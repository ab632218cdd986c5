/*
 * grid.c - free's one-multiply test of "p starts a block of its slab"
 * (hk_unit_is_block) agrees with division, for every class, at every
 * block boundary and around it, below the first block and past the last,
 * for slabs at the start of a SuperSlab (behind its header), in the
 * middle, and at the far end of the largest SuperSlab; each of them in a
 * SuperSlab whose addresses keep their upper half and in one whose
 * addresses carry into it (the test reads only their lower halves).
 */
#include "unit.h"

static hk_unit un; /* the grid of a unit of the slab under test */

/* Where the SuperSlab under test lies: 64 MiB-aligned (the largest
 * ss_size), the low 32 bits of its first address 0, or 64 MiB short of a
 * carry into bit 32, which its end reaches (a SuperSlab, aligned to a
 * power of two up to 2^32, never has one inside). */
static const uintptr_t bases[] = {(uintptr_t)0x7f0000000000,
                                  (uintptr_t)0x7ffffc000000};
static uintptr_t base;

static void set_grid(uint32_t size, uint64_t first, uint64_t blocks)
{
    un.grid_first = (uint32_t)(base + first);
    un.grid_mul = hk_grid_mul(size);
    atomic_store(&un.grid_lim, hk_grid_lim(size, blocks));
}

static int is_block(uint64_t off)
{
    return hk_unit_is_block(&un, base + off);
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
            int got = is_block((uint64_t)off);
            if (got != want && bad++ < 5)
                CHECK(got == want, "size %u first %" PRIu64 " blocks %" PRIu64
                      " offset %" PRId64 ": got %d", size, first, blocks,
                      off, got);
        }
    /* Everything below the first block, sampled. */
    for (uint64_t off = 0; off < first && bad < 5; off += 1 + off / 64) {
        int got = is_block(off);
        if (got && bad++ < 5)
            CHECK(!got, "size %u first %" PRIu64 ": offset %" PRIu64
                  " below the first block passes", size, first, off);
    }
}

/* Every class, in slabs where the pool carves them and at the far end of
 * the largest SuperSlab. */
static void geometries_at(uintptr_t at)
{
    const uint64_t unit = 64 * 1024, big_unit = 1024 * 1024;
    base = at;
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

/* Every offset of the first units, for the small classes. */
static void exhaustive_at(uintptr_t at)
{
    base = at;
    for (unsigned c = 0; c < 12; c++) {
        uint32_t size = (uint32_t)hk_class_size(c);
        uint64_t first = HK_SS_HEADER, blocks = (65536 - first) / size;
        set_grid(size, first, blocks);
        int bad = 0;
        for (uint64_t off = 0; off < 2 * 65536 && bad < 5; off++) {
            int want = by_division(off, first, size, blocks);
            if (is_block(off) != want && bad++ < 5)
                CHECK(0, "size %u offset %" PRIu64 ": want %d", size, off,
                      want);
        }
    }
}

static void grid_agrees_with_division(void)
{
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        geometries_at(bases[b]);
}

static void grid_exhaustive_small(void)
{
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        exhaustive_at(bases[b]);
}

UNIT_MAIN(TEST(grid_agrees_with_division), TEST(grid_exhaustive_small))
