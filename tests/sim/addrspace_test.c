/*
 * addrspace_test.c - the simulated address space's huge pages against
 * cases worked out by hand: advice given or taken back for part of a
 * mapping cuts it, as the kernel splits its areas; a huge page whose
 * chunk lies wholly in one piece stays one, and one across a cut becomes
 * 4 KiB pages, resident still; a partial unmap leaves the huge pages of
 * what remains; the kernel's mode decides which mappings get huge pages
 * at all.
 *
 * Every case maps 4 MiB at a 2 MiB-aligned address, chunks 0 and 1, but
 * the last, which maps three chunks.
 * Prints "ok NAME" or "FAIL NAME" per case and exits 1 if any failed.
 */
#include "sim/addrspace.h"
#include "tests/check.h"

#define BASE ((uint64_t)64 << 30)
#define MIB ((uint64_t)1 << 20)
#define PAGES_PER_HUGE (HK_AS_HUGE / HK_AS_PAGE)

/* A fresh space of the kernel's mode thp, with [BASE, BASE + bytes)
 * mapped. */
static void fresh(hk_addrspace *as, enum hk_thp thp, uint64_t bytes)
{
    CHECK(hk_as_init(as, thp) == 0, "init");
    CHECK(hk_as_map(as, BASE, bytes, 1) == 0, "map");
}

/* A fresh space under madvise with [BASE, BASE + 4 MiB) mapped, advised
 * if asked, and each chunk touched once (huge faults where advised). */
static void setup(hk_addrspace *as, int advised)
{
    fresh(as, HK_THP_MADVISE, 4 * MIB);
    if (advised)
        hk_as_advise_huge(as, BASE, 4 * MIB, 1);
    hk_as_touch_page(as, BASE);
    hk_as_touch_page(as, BASE + 2 * MIB);
}

/* Advising the second chunk alone cuts the mapping in two: a first
 * touch there makes a huge page, one in the first chunk a 4 KiB page. */
static void advice_for_part_cuts(void)
{
    hk_addrspace as;
    fresh(&as, HK_THP_MADVISE, 4 * MIB);
    hk_as_advise_huge(&as, BASE + 2 * MIB, 2 * MIB, 1);
    CHECK_EQ(as.count, 2);
    CHECK_EQ(as.peak_maps, 2);
    CHECK_EQ(hk_as_touch_page(&as, BASE + 2 * MIB), HK_AS_HUGE);
    CHECK_EQ(hk_as_touch_page(&as, BASE), HK_AS_PAGE);
    CHECK_EQ(as.faults, 2);
    CHECK_EQ(as.huge_faults, 1);
    CHECK_EQ(as.resident_pages, PAGES_PER_HUGE + 1);
    hk_as_destroy(&as);
}

/* Taking the advice back for the first chunk keeps both huge pages (each
 * lies wholly in its piece); once the first is purged, a touch there
 * makes a 4 KiB page, not a huge one. */
static void advice_taken_back_keeps_whole_chunks(void)
{
    hk_addrspace as;
    setup(&as, 1);
    CHECK_EQ(as.huge_faults, 2);
    hk_as_advise_huge(&as, BASE, 2 * MIB, 0);
    CHECK_EQ(as.count, 2);
    CHECK_EQ(hk_as_touch_page(&as, BASE + HK_AS_PAGE), HK_AS_HUGE);
    CHECK_EQ(hk_as_touch_page(&as, BASE + 3 * MIB), HK_AS_HUGE);
    hk_as_purge(&as, BASE, 2 * MIB);
    CHECK_EQ(as.resident_pages, PAGES_PER_HUGE);
    CHECK_EQ(hk_as_touch_page(&as, BASE), HK_AS_PAGE);
    CHECK_EQ(as.huge_faults, 2);
    CHECK_EQ(as.resident_pages, PAGES_PER_HUGE + 1);
    hk_as_destroy(&as);
}

/* A cut through both chunks (the middle 2 MiB) splits both huge pages:
 * three pieces, every page still resident, none of them huge. */
static void cut_through_chunks_splits_them(void)
{
    hk_addrspace as;
    setup(&as, 1);
    hk_as_advise_huge(&as, BASE + MIB, 2 * MIB, 0);
    CHECK_EQ(as.count, 3);
    CHECK_EQ(as.resident_pages, 2 * PAGES_PER_HUGE);
    CHECK_EQ(hk_as_touch_page(&as, BASE), HK_AS_PAGE);
    CHECK_EQ(hk_as_touch_page(&as, BASE + 2 * MIB), HK_AS_PAGE);
    CHECK_EQ(as.faults, 2);
    hk_as_destroy(&as);
}

/* Unmapping the second chunk leaves the first a huge page. */
static void partial_unmap_keeps_the_rest_huge(void)
{
    hk_addrspace as;
    setup(&as, 1);
    hk_as_unmap(&as, BASE + 2 * MIB, 2 * MIB);
    CHECK_EQ(as.count, 1);
    CHECK_EQ(as.unmapped_pages, PAGES_PER_HUGE);
    CHECK_EQ(as.resident_pages, PAGES_PER_HUGE);
    CHECK_EQ(as.mapped_bytes, 2 * MIB);
    CHECK_EQ(hk_as_touch_page(&as, BASE + MIB), HK_AS_HUGE);
    CHECK(!hk_as_is_mapped(&as, BASE + 2 * MIB), "second chunk mapped");
    hk_as_destroy(&as);
}

/* Three chunks: chunk 0 advised to use huge pages, chunk 1 advised
 * against them, chunk 2 neither; each touched once.  Under never all
 * three fault in a 4 KiB page; under madvise chunk 0 a huge page; under
 * always chunks 0 and 2. */
static void thp_mode_decides(void)
{
    static const struct {
        enum hk_thp mode;
        uint64_t huge_faults, resident_pages;
    } want[] = {
        {HK_THP_NEVER, 0, 3},
        {HK_THP_MADVISE, 1, PAGES_PER_HUGE + 2},
        {HK_THP_ALWAYS, 2, 2 * PAGES_PER_HUGE + 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        hk_addrspace as;
        fresh(&as, want[i].mode, 6 * MIB);
        hk_as_advise_huge(&as, BASE, 2 * MIB, 1);
        hk_as_advise_huge(&as, BASE + 2 * MIB, 2 * MIB, 0);
        for (uint64_t chunk = 0; chunk < 3; chunk++)
            hk_as_touch_page(&as, BASE + chunk * 2 * MIB);
        CHECK(as.faults == 3 && as.huge_faults == want[i].huge_faults &&
                  as.resident_pages == want[i].resident_pages,
              "thp=%s: %llu faults, %llu huge, %llu pages resident",
              hk_thp_name(want[i].mode), (unsigned long long)as.faults,
              (unsigned long long)as.huge_faults,
              (unsigned long long)as.resident_pages);
        hk_as_destroy(&as);
    }
}

int main(void)
{
    static const check_case cases[] = {
        {"advice_for_part_cuts", advice_for_part_cuts},
        {"advice_taken_back_keeps_whole_chunks",
         advice_taken_back_keeps_whole_chunks},
        {"cut_through_chunks_splits_them", cut_through_chunks_splits_them},
        {"partial_unmap_keeps_the_rest_huge",
         partial_unmap_keeps_the_rest_huge},
        {"thp_mode_decides", thp_mode_decides},
    };
    return check_cases(cases, sizeof cases / sizeof cases[0]);
}
