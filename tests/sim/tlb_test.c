/*
 * tlb_test.c - the TLB model against access sequences whose outcome is
 * worked out by hand.
 *
 * Each case builds a small TLB of its own, runs a sequence and compares
 * every counter with the expected value; the comment above each expected
 * block says how the numbers follow.  Every comparison also checks the
 * counter identities of tlb.h.  Prints "ok NAME" or "FAIL NAME" per case
 * (with the differences on stderr) and exits 1 if any case failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tlb.h"
#include "tests/check.h"
#include "tests/sim/visited.h"

#define KB4(n) ((uint64_t)(n) << 12) /* address of 4 KiB page n */
#define MB2(n) ((uint64_t)(n) << 21) /* address of 2 MiB page n */

#define STATS_FIELDS(X)                                                      \
    X(accesses) X(l1_hits) X(l1_misses) X(l2_hits) X(l2_misses)              \
    X(evictions_l1) X(evictions_l2) X(accesses_2m) X(l2_misses_2m)

/* Every counter of t equals want's, and the identities hold. */
static void expect_stats(const hk_tlb *t, hk_tlb_stats want, int line)
{
    const hk_tlb_stats *got = hk_tlb_stats_get(t);
#define COMPARE(f) CHECK_FIELD(got, want, f, line);
    STATS_FIELDS(COMPARE)
#undef COMPARE
    CHECK(got->accesses == got->l1_hits + got->l1_misses, "line %d", line);
    CHECK(got->l1_misses == got->l2_hits + got->l2_misses, "line %d", line);
}

#define EXPECT(t, ...) expect_stats((t), (hk_tlb_stats){__VA_ARGS__}, __LINE__)

static hk_tlb *tlb_new(hk_tlb_config c)
{
    char err[200];
    hk_tlb *t = hk_tlb_create(&c, err, sizeof err);
    if (!t) {
        fprintf(stderr, "test TLB rejected: %s\n", err);
        exit(2);
    }
    return t;
}

/* Touch pages first..first+n-1 of one size in order, `rounds` times. */
static void touch(hk_tlb *t, uint64_t first, uint64_t n, int huge,
                  int rounds)
{
    for (int r = 0; r < rounds; r++)
        for (uint64_t p = first; p < first + n; p++)
            hk_tlb_access(t, huge ? MB2(p) : KB4(p), huge);
}

static void cold_misses_then_hits(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){.l1_4k = {4, 4}, .l2_4k = {16, 4}});
    touch(t, 0, 3, 0, 1);
    /* Three first touches: each misses L1 and the STLB and walks. */
    EXPECT(t, .accesses = 3, .l1_misses = 3, .l2_misses = 3);
    touch(t, 0, 3, 0, 1);
    hk_tlb_access(t, 0x10, 0);
    hk_tlb_access(t, 0xfff, 0);
    /* L1 holds all three pages (4 entries): the second round and two more
     * addresses inside page 0 hit, 3 + 2 = 5 hits of 8 accesses. */
    EXPECT(t, .accesses = 8, .l1_hits = 5, .l1_misses = 3, .l2_misses = 3);
    hk_tlb_destroy(t);
}

static void capacity_fully_associative(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){.l1_4k = {4, 4}});
    touch(t, 0, 5, 0, 3);
    /* 5 pages cycling through 4 LRU entries: when a page comes back, the 4
     * others have been used since, so it was the LRU one and is gone.
     * 15 accesses, 15 misses; no STLB, so 15 walks.  15 fills, the first
     * 4 into empty entries: 11 evictions. */
    EXPECT(t, .accesses = 15, .l1_misses = 15, .l2_misses = 15,
           .evictions_l1 = 11);
    hk_tlb_destroy(t);

    t = tlb_new((hk_tlb_config){.l1_4k = {4, 4}});
    touch(t, 0, 4, 0, 3);
    /* 4 pages fit: 4 cold misses, then 8 hits, nothing evicted. */
    EXPECT(t, .accesses = 12, .l1_hits = 8, .l1_misses = 4, .l2_misses = 4);
    hk_tlb_destroy(t);
}

static void conflict_set_associative(void)
{
    hk_tlb_config c = {.l1_4k = {8, 2}}; /* 4 sets of 2 ways */
    hk_tlb *t = tlb_new(c);
    for (int r = 0; r < 3; r++)
        for (uint64_t p = 0; p <= 8; p += 4)
            hk_tlb_access(t, KB4(p), 0);
    /* Pages 0, 4, 8 all map to set 0 (page mod 4): 3 pages cycling in 2
     * ways miss every time although sets 1-3 stay empty.  9 misses,
     * 9 fills - 2 into empty ways = 7 evictions. */
    EXPECT(t, .accesses = 9, .l1_misses = 9, .l2_misses = 9,
           .evictions_l1 = 7);
    hk_tlb_destroy(t);

    t = tlb_new(c);
    touch(t, 0, 3, 0, 3);
    /* Pages 0, 1, 2 map to sets 0, 1, 2: 3 cold misses, 6 hits. */
    EXPECT(t, .accesses = 9, .l1_hits = 6, .l1_misses = 3, .l2_misses = 3);
    hk_tlb_destroy(t);
}

static void huge_pages(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){.l1_4k = {4, 4}, .l1_2m = {4, 4}});
    for (uint64_t off = 0; off < MB2(1); off += KB4(1))
        hk_tlb_access(t, MB2(512) + off, 1);
    /* One 2 MiB entry covers the 512 4 KiB pages of 2 MiB page 512:
     * 1 miss (a walk, no STLB), 511 hits. */
    EXPECT(t, .accesses = 512, .l1_hits = 511, .l1_misses = 1,
           .l2_misses = 1, .accesses_2m = 512, .l2_misses_2m = 1);
    hk_tlb_access(t, MB2(512), 0);
    hk_tlb_access(t, MB2(512) + MB2(1) - 1, 1);
    hk_tlb_access(t, MB2(513), 1);
    /* The same address as a 4 KiB page misses: the arrays are separate
     * (+1 access, miss, walk).  The last byte of the 2 MiB page hits
     * (+1 hit).  The next 2 MiB page misses (+1 miss, walk, 2 MiB). */
    EXPECT(t, .accesses = 515, .l1_hits = 512, .l1_misses = 3,
           .l2_misses = 3, .accesses_2m = 514, .l2_misses_2m = 2);
    touch(t, 0, 5, 0, 1);
    hk_tlb_access(t, MB2(512), 1);
    hk_tlb_access(t, MB2(513), 1);
    /* 5 new 4 KiB pages join the one 4 KiB entry: 6 pages through 4
     * entries, 2 evictions, all in the 4 KiB array; both 2 MiB entries
     * still hit.  +7 accesses, +5 misses, +2 hits. */
    EXPECT(t, .accesses = 522, .l1_hits = 514, .l1_misses = 8,
           .l2_misses = 8, .evictions_l1 = 2, .accesses_2m = 516,
           .l2_misses_2m = 2);
    hk_tlb_destroy(t);
}

static void l1_and_stlb(void)
{
    hk_tlb_config c = {.l1_4k = {2, 2}, .l2_4k = {8, 8}};
    hk_tlb *t = tlb_new(c);
    touch(t, 0, 3, 0, 1);
    hk_tlb_access(t, KB4(0), 0);
    hk_tlb_access(t, KB4(2), 0);
    /* Pages 0, 1, 2: 3 walks fill both levels; L1 has 2 entries, so page
     * 2's fill evicts page 0 (L1: 2, 1).  Page 0 again: L1 miss, STLB hit,
     * its L1 fill evicts page 1 (L1: 0, 2).  Page 2: L1 hit. */
    EXPECT(t, .accesses = 5, .l1_hits = 1, .l1_misses = 4, .l2_hits = 1,
           .l2_misses = 3, .evictions_l1 = 2);
    hk_tlb_destroy(t);

    t = tlb_new(c);
    touch(t, 0, 8, 0, 2);
    /* 8 pages fit the STLB.  Round 1: 8 walks, 8 L1 fills (6 evict).
     * Round 2: L1 holds only the last two pages used, never the next one,
     * so all 8 miss L1 and hit the STLB (8 more evicting L1 fills). */
    EXPECT(t, .accesses = 16, .l1_misses = 16, .l2_hits = 8, .l2_misses = 8,
           .evictions_l1 = 14);
    hk_tlb_destroy(t);

    t = tlb_new(c);
    touch(t, 0, 9, 0, 2);
    /* 9 pages overflow the 8-entry STLB.  Round 1: 9 walks; the 9th STLB
     * fill evicts page 0.  Round 2: page 0 walks and evicts page 1, page 1
     * walks and evicts page 2, ...: 9 more walks.  STLB evictions 1 + 9;
     * L1 evictions 7 + 9. */
    EXPECT(t, .accesses = 18, .l1_misses = 18, .l2_misses = 18,
           .evictions_l1 = 16, .evictions_l2 = 10);
    hk_tlb_destroy(t);
}

static void shared_stlb(void)
{
    /* No L1 arrays: every access goes to the one shared STLB array.
     * l2_2m is nonsense, and ignored because the STLB is shared. */
    hk_tlb *t = tlb_new((hk_tlb_config){
        .l2_4k = {4, 4}, .l2_2m = {3, 7}, .l2_shared = 1});
    hk_tlb_access(t, KB4(1), 0);
    hk_tlb_access(t, MB2(1), 1);
    hk_tlb_access(t, KB4(2), 0);
    hk_tlb_access(t, MB2(2), 1);
    hk_tlb_access(t, KB4(1), 0);
    hk_tlb_access(t, MB2(1), 1);
    /* 4 K page 1 and 2 M page 1 share a page number but not an entry:
     * 4 walks, then 2 hits.  Recency now: 2M1, 4K1, 2M2, 4K2. */
    EXPECT(t, .accesses = 6, .l1_misses = 6, .l2_hits = 2, .l2_misses = 4,
           .accesses_2m = 3, .l2_misses_2m = 2);
    hk_tlb_access(t, KB4(3), 0);
    hk_tlb_access(t, MB2(2), 1);
    hk_tlb_access(t, KB4(2), 0);
    /* 4K3 walks and evicts the LRU, 4K2.  2M2 hits (recency: 2M2, 4K3,
     * 2M1, 4K1).  4K2 walks and evicts 4K1.  Both sizes compete. */
    EXPECT(t, .accesses = 9, .l1_misses = 9, .l2_hits = 3, .l2_misses = 6,
           .evictions_l2 = 2, .accesses_2m = 4, .l2_misses_2m = 2);
    hk_tlb_invalidate(t, 0, KB4(3));
    hk_tlb_access(t, MB2(1), 1);
    hk_tlb_access(t, MB2(2), 1);
    hk_tlb_access(t, KB4(2), 0);
    /* Bytes [0, 12 KiB) cover 4 KiB pages 0..2 and 2 MiB page 0: 4K2
     * goes, but 2M1 and 2M2, whose page numbers are in 0..2, stay and
     * hit.  4K2 walks into the freed entry, evicting nothing. */
    EXPECT(t, .accesses = 12, .l1_misses = 12, .l2_hits = 5, .l2_misses = 7,
           .evictions_l2 = 2, .accesses_2m = 6, .l2_misses_2m = 2);
    hk_tlb_destroy(t);
}

static void no_stlb_for_huge(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){
        .l1_4k = {2, 2}, .l1_2m = {2, 2}, .l2_4k = {8, 8}});
    const uint64_t order[] = {0, 1, 2, 0};
    for (int i = 0; i < 4; i++) {
        hk_tlb_access(t, KB4(order[i]), 0);
        hk_tlb_access(t, MB2(order[i]), 1);
    }
    /* Each size: 0, 1, 2 miss L1 and page 2's fill evicts page 0, which
     * then misses L1 again.  4 KiB: the STLB still has page 0, a hit.
     * 2 MiB: no STLB array (l2_2m absent, not shared), so it walks.
     * Walks 3 + 4, STLB hits 1, L1 evictions 2 + 2. */
    EXPECT(t, .accesses = 8, .l1_misses = 8, .l2_hits = 1, .l2_misses = 7,
           .evictions_l1 = 4, .accesses_2m = 4, .l2_misses_2m = 4);
    hk_tlb_destroy(t);
}

static void invalidate_range(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){.l1_4k = {16, 16}, .l2_4k = {64, 4}});
    touch(t, 0, 8, 0, 1);
    hk_tlb_invalidate(t, 0x2010, 0x2000);
    touch(t, 0, 8, 0, 1);
    /* 8 walks.  [0x2010, 0x4010) overlaps pages 2, 3, 4 (bytes 0x2010 to
     * 0x400f), which go from both levels.  Second round: pages 0, 1,
     * 5, 6, 7 hit L1; 2, 3, 4 miss both levels and walk. */
    EXPECT(t, .accesses = 16, .l1_hits = 5, .l1_misses = 11,
           .l2_misses = 11);
    hk_tlb_invalidate(t, KB4(1), 0);
    hk_tlb_access(t, KB4(1), 0);
    /* An empty range drops nothing: page 1 still hits. */
    EXPECT(t, .accesses = 17, .l1_hits = 6, .l1_misses = 11,
           .l2_misses = 11);
    hk_tlb_destroy(t);

    t = tlb_new((hk_tlb_config){.l1_4k = {4, 4}});
    touch(t, 0, 4, 0, 1);
    hk_tlb_invalidate(t, KB4(0), 1);
    touch(t, 0, 1, 0, 1);
    hk_tlb_invalidate(t, KB4(2), 1);
    touch(t, 5, 1, 0, 1);
    /* Pages 0..3 fill the set, page 0 least recent.  Dropping page 0
     * frees its entry: page 0 misses and refills it, no eviction.
     * Dropping page 2 frees another: page 5 takes it, no eviction.
     * 6 misses, 0 evictions. */
    EXPECT(t, .accesses = 6, .l1_misses = 6, .l2_misses = 6);
    hk_tlb_destroy(t);

    t = tlb_new((hk_tlb_config){.l1_2m = {4, 4}, .l2_2m = {4, 4}});
    touch(t, 1, 2, 1, 1);
    hk_tlb_invalidate(t, MB2(2) - KB4(1), KB4(1));
    touch(t, 1, 2, 1, 1);
    /* 2 MiB pages 1 and 2 walk.  Invalidating the last 4 KiB of page 1
     * drops page 1's whole entry (the kernel would split or unmap it);
     * page 2 lies outside and hits.  Walks 2 + 1. */
    EXPECT(t, .accesses = 4, .l1_hits = 1, .l1_misses = 3, .l2_misses = 3,
           .accesses_2m = 4, .l2_misses_2m = 3);
    hk_tlb_destroy(t);
}

static void invalidate_probe_and_scan(void)
{
    /* STLB only, 16 sets of 4 ways.  A range of at most 16 pages is
     * probed set by set, a longer one scanned whole: same outcome. */
    hk_tlb *t = tlb_new((hk_tlb_config){.l2_4k = {64, 4}});
    touch(t, 0, 32, 0, 1);
    /* 32 walks, two pages per set, no evictions. */
    EXPECT(t, .accesses = 32, .l1_misses = 32, .l2_misses = 32);
    hk_tlb_invalidate(t, KB4(8), KB4(16));
    touch(t, 0, 32, 0, 1);
    /* Pages 8..23 (16, probed) dropped: 16 walks, 16 hits. */
    EXPECT(t, .accesses = 64, .l1_misses = 64, .l2_hits = 16,
           .l2_misses = 48);
    hk_tlb_invalidate(t, KB4(4), KB4(17));
    touch(t, 0, 32, 0, 1);
    /* Pages 4..20 (17, scanned) dropped: 17 walks, 15 hits.  Refills go
     * to the freed ways, so still no evictions. */
    EXPECT(t, .accesses = 96, .l1_misses = 96, .l2_hits = 31,
           .l2_misses = 65);
    hk_tlb_invalidate(t, 0, UINT64_MAX);
    touch(t, 0, 32, 0, 1);
    /* Everything dropped: 32 walks. */
    EXPECT(t, .accesses = 128, .l1_misses = 128, .l2_hits = 31,
           .l2_misses = 97);
    hk_tlb_destroy(t);
}

static void access_range_pages(void)
{
    hk_tlb *t = tlb_new((hk_tlb_config){.l1_4k = {2, 2}, .l1_2m = {2, 2}});
    hk_tlb_access_range(t, 0xfff, 2, 0);
    /* Bytes 0xfff and 0x1000: pages 0 and 1, two misses. */
    EXPECT(t, .accesses = 2, .l1_misses = 2, .l2_misses = 2);
    hk_tlb_access_range(t, KB4(1), KB4(1), 0);
    hk_tlb_access_range(t, KB4(5), 0, 0);
    /* Exactly page 1: one access, a hit.  Zero bytes: no access. */
    EXPECT(t, .accesses = 3, .l1_hits = 1, .l1_misses = 2, .l2_misses = 2);
    hk_tlb_access_range(t, KB4(16), KB4(3), 0);
    hk_tlb_access(t, KB4(17), 0);
    hk_tlb_access(t, KB4(16), 0);
    /* Pages 16, 17, 18 in address order through 2 entries: 3 misses
     * evicting 0, 1, then 16, leaving 18 and 17.  17 hits; 16, evicted
     * first because it came first, misses and evicts 18.  Evictions 4. */
    EXPECT(t, .accesses = 8, .l1_hits = 2, .l1_misses = 6, .l2_misses = 6,
           .evictions_l1 = 4);
    hk_tlb_access_range(t, MB2(1) - KB4(1), KB4(2), 1);
    /* 8 KiB across the boundary at 2 MiB: 2 MiB pages 0 and 1, 2 misses. */
    EXPECT(t, .accesses = 10, .l1_hits = 2, .l1_misses = 8, .l2_misses = 8,
           .evictions_l1 = 4, .accesses_2m = 2, .l2_misses_2m = 2);
    hk_tlb_access_range(t, UINT64_MAX - 0xfff, KB4(2), 0);
    /* Clipped at the top of the address space: its last page only, a
     * miss evicting 17. */
    EXPECT(t, .accesses = 11, .l1_hits = 2, .l1_misses = 9, .l2_misses = 9,
           .evictions_l1 = 5, .accesses_2m = 2, .l2_misses_2m = 2);
    hk_tlb_destroy(t);
}

static void default_geometry(void)
{
    hk_tlb_config c;
    hk_tlb_config_default(&c);
    CHECK(c.l1_4k.entries == 96 && c.l1_4k.ways == 6, "l1_4k");
    CHECK(c.l1_2m.entries == 32 && c.l1_2m.ways == 4, "l1_2m");
    CHECK(c.l2_4k.entries == 2048 && c.l2_4k.ways == 16, "l2_4k");
    CHECK(c.l2_shared == 1, "l2_shared");
    hk_tlb *t = tlb_new(c);
    touch(t, 0, 96, 0, 2);
    /* 96 consecutive pages spread 6 to each of the 16 L1 sets, filling
     * L1 exactly: 96 walks, then 96 hits. */
    EXPECT(t, .accesses = 192, .l1_hits = 96, .l1_misses = 96,
           .l2_misses = 96);
    touch(t, 96, 1, 0, 1);
    touch(t, 0, 1, 0, 1);
    /* Page 96 lands in set 0 and evicts its LRU, page 0, which then
     * misses L1 and hits the STLB, evicting page 16 in turn. */
    EXPECT(t, .accesses = 194, .l1_hits = 96, .l1_misses = 98, .l2_hits = 1,
           .l2_misses = 97, .evictions_l1 = 2);
    hk_tlb_destroy(t);
}

/* The reason a bad config gives must name `field`. */
static void expect_rejected(hk_tlb_config c, const char *field)
{
    char err[200] = "";
    CHECK(hk_tlb_config_check(&c, err, sizeof err) == -1, "check %s", field);
    CHECK(strstr(err, field) != NULL, "'%s' lacks %s", err, field);
    err[0] = '\0';
    hk_tlb *t = hk_tlb_create(&c, err, sizeof err);
    CHECK(t == NULL, "create %s", field);
    CHECK(strstr(err, field) != NULL, "'%s' lacks %s", err, field);
    hk_tlb_destroy(t);
}

static void config_validation(void)
{
    hk_tlb_config def, c;
    char err[200];
    hk_tlb_config_default(&def);
    CHECK(hk_tlb_config_check(&def, err, sizeof err) == 0, "%s", err);

    c = def;
    c.l1_4k.ways = 5; /* does not divide 96 */
    expect_rejected(c, "tlb_l1_4k_ways");
    c = def;
    c.l1_4k = (hk_tlb_level_config){72, 4}; /* 18 sets */
    expect_rejected(c, "tlb_l1_4k_entries");
    c = def;
    c.l1_2m.ways = 0;
    expect_rejected(c, "tlb_l1_2m_ways");
    c = def;
    c.l2_shared = 0;
    c.l2_2m = (hk_tlb_level_config){8, 16}; /* more ways than entries */
    expect_rejected(c, "tlb_l2_2m_ways");
    c = def;
    c.l2_4k.entries = 1u << 21; /* over the limit */
    expect_rejected(c, "tlb_l2_4k_entries");
    c = def;
    c.l2_shared = 2;
    expect_rejected(c, "tlb_l2_shared");

    /* Legal corners: a fully associative 72-entry L1 (one set), an absent
     * array whatever its ways, a bad l2_2m while shared. */
    c = def;
    c.l1_4k = (hk_tlb_level_config){72, 72};
    c.l1_2m = (hk_tlb_level_config){0, 3};
    c.l2_2m = (hk_tlb_level_config){5, 7};
    CHECK(hk_tlb_config_check(&c, err, sizeof err) == 0, "%s", err);

    c = def;
    CHECK(hk_tlb_config_set(&c, "tlb_l2_4k_ways", 12, err, sizeof err) == 0,
          "%s", err);
    CHECK(c.l2_4k.ways == 12, "ways %u", c.l2_4k.ways);
    CHECK(hk_tlb_config_set(&c, "tlb_l2_shared", 0, err, sizeof err) == 0 &&
              c.l2_shared == 0,
          "%s", err);
    CHECK(hk_tlb_config_set(&c, "tlb_l3_entries", 1, err, sizeof err) == -1 &&
              strstr(err, "tlb_l3_entries"),
          "%s", err);
    CHECK(hk_tlb_config_set(&c, "tlb_l1_4k_entries", 1u << 21, err,
                            sizeof err) == -1 &&
              strstr(err, "tlb_l1_4k_entries"),
          "%s", err);
    CHECK(hk_tlb_config_set(&c, "tlb_l1_2m_ways", 1ull << 32, err,
                            sizeof err) == -1 &&
              strstr(err, "tlb_l1_2m_ways"),
          "%s", err);
    CHECK(hk_tlb_config_set(&c, "tlb_l2_shared", 2, err, sizeof err) == -1 &&
              strstr(err, "tlb_l2_shared"),
          "%s", err);

    /* Visiting gives all 9 fields in order; each name sets its field. */
    struct visited seen = {0};
    hk_tlb_config_visit(&def, record, &seen);
    const char *const names[] = {
        "tlb_l1_4k_entries", "tlb_l1_4k_ways", "tlb_l1_2m_entries",
        "tlb_l1_2m_ways",    "tlb_l2_4k_entries", "tlb_l2_4k_ways",
        "tlb_l2_2m_entries", "tlb_l2_2m_ways",    "tlb_l2_shared"};
    const uint64_t values[] = {96, 6, 32, 4, 2048, 16, 0, 0, 1};
    CHECK(seen.n == 9, "visited %d fields", seen.n);
    hk_tlb_config copy = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, 0};
    for (int i = 0; i < 9 && i < seen.n; i++) {
        CHECK(strcmp(seen.names[i], names[i]) == 0, "field %d is %s", i,
              seen.names[i]);
        CHECK(seen.values[i] == values[i], "%s = %llu", names[i],
              (unsigned long long)seen.values[i]);
        CHECK(hk_tlb_config_set(&copy, seen.names[i], seen.values[i], err,
                                sizeof err) == 0,
              "%s", err);
    }
    struct visited again = {0};
    hk_tlb_config_visit(&copy, record, &again);
    for (int i = 0; i < 9 && i < again.n; i++)
        CHECK(again.values[i] == values[i], "copied %s = %llu", names[i],
              (unsigned long long)again.values[i]);
}

int main(void)
{
    static const check_case cases[] = {
        {"cold misses, then hits", cold_misses_then_hits},
        {"capacity misses, fully associative", capacity_fully_associative},
        {"conflict misses, set associative", conflict_set_associative},
        {"2 MiB pages", huge_pages},
        {"L1 and STLB", l1_and_stlb},
        {"shared STLB", shared_stlb},
        {"no STLB array for 2 MiB", no_stlb_for_huge},
        {"invalidate a range", invalidate_range},
        {"invalidate: probe and scan agree", invalidate_probe_and_scan},
        {"access_range", access_range_pages},
        {"default geometry (Golden Cove)", default_geometry},
        {"config validation", config_validation},
    };
    return check_cases(cases, sizeof cases / sizeof cases[0]);
}
