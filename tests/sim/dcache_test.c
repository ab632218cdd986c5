/*
 * dcache_test.c - the data cache model against access sequences whose
 * outcome is worked out by hand.
 *
 * Each case builds a small hierarchy of its own, runs a sequence of
 * accesses and page faults and compares every counter with the expected
 * value; the comment above each expected block says how the numbers
 * follow.  Every comparison also checks the counter identities of
 * dcache.h (accesses >= misses[0] + prefetched, misses[0] >= misses[1] >=
 * misses[2], the misses to memory by distance add up to misses[2], and
 * fault_accesses >= fault_misses[0] >= fault_misses[1] >=
 * fault_misses[2]).  Then the configuration: validation, setting and
 * visiting by name, and that two hierarchies fed one sequence agree.
 * Prints "ok NAME" or "FAIL NAME" per case (with the differences on
 * stderr) and exits 1 if any case failed.
 *
 * Where lines go.  Every level here but the preset's L2 and L3 has at most
 * 64 sets, so its set index is the line's number within its 4 KiB page
 * (address bits 6..11) modulo the number of sets: the frame hash does not
 * reach those bits, and lines at the same offset of different pages share
 * a set.  Sets are written [most recent, ..., least recent].
 *
 * Streams.  A line that misses L1 while its key is one of the 16 streams'
 * last keys plus one (the next line of the same page) is counted in
 * prefetched, not in misses[]; an access that continues no stream starts
 * one (unless one ends at its line), in place of the oldest.  Where a
 * case means to count plain misses it touches lines out of that order
 * (every other line, or backwards); where it reads ranges, the first
 * line of each page's run misses and the rest are prefetched.  A stream
 * never crosses a page boundary here: no page from 0 to 12 has the frame
 * after its predecessor's (dcache.c's hash gives pages 0 to 6 frames 0,
 * 0x7321f70d5f, 0xc770ff3bee, 0x79e3f6d0b9, 0x8ee1fe77dc, 0x7d63baf002,
 * 0xabddb12daf).  The case
 * "streams" covers the rule itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dcache.h"
#include "tests/check.h"
#include "tests/sim/visited.h"

/* Address of line `line` (0..63) of 4 KiB page `page`. */
#define LINE(page, line) (((uint64_t)(page) << 12) | ((uint64_t)(line) << 6))
#define PAGE(n) ((uint64_t)(n) << 12)

#define STATS_FIELDS(X)                                                      \
    X(accesses) X(misses[0]) X(misses[1]) X(misses[2]) X(prefetched)         \
    X(fault_accesses) X(fault_misses[0]) X(fault_misses[1])                  \
    X(fault_misses[2]) X(fault_evictions) X(store_misses)

/* Every counter of d equals want's, and the identities hold. */
static void expect_stats(const hk_dcache *d, hk_dcache_stats want, int line)
{
    const hk_dcache_stats *got = hk_dcache_stats_get(d);
#define COMPARE(f) CHECK_FIELD(got, want, f, line);
    STATS_FIELDS(COMPARE)
#undef COMPARE
    CHECK(got->accesses >= got->misses[0] + got->prefetched &&
              got->misses[0] >= got->misses[1] &&
              got->misses[1] >= got->misses[2],
          "line %d", line);
    uint64_t gaps = 0;
    for (unsigned k = 0; k < HK_DCACHE_GAPS; k++)
        gaps += got->mem_gaps[k];
    CHECK(gaps == got->misses[2], "line %d: misses to memory by gap", line);
    CHECK(got->fault_accesses >= got->fault_misses[0] &&
              got->fault_misses[0] >= got->fault_misses[1] &&
              got->fault_misses[1] >= got->fault_misses[2],
          "line %d", line);
}

#define EXPECT(d, ...)                                                       \
    expect_stats((d), (hk_dcache_stats){__VA_ARGS__}, __LINE__)

/* A hierarchy of ways[k] * sets[k] lines per level; sets 0: absent. */
static hk_dcache_config geometry(uint32_t w1, uint32_t s1, uint32_t w2,
                                 uint32_t s2, uint32_t w3, uint32_t s3)
{
    return (hk_dcache_config){
        .bytes = {(uint64_t)w1 * s1 * HK_DCACHE_LINE,
                  (uint64_t)w2 * s2 * HK_DCACHE_LINE,
                  (uint64_t)w3 * s3 * HK_DCACHE_LINE},
        .ways = {w1, w2, w3},
    };
}

static hk_dcache *dc_new(hk_dcache_config c)
{
    char err[200];
    hk_dcache *d = hk_dcache_create(&c, err, sizeof err);
    if (!d) {
        fprintf(stderr, "test data cache rejected: %s\n", err);
        exit(2);
    }
    return d;
}

/* One byte of address a: the one line holding it. */
static void touch(hk_dcache *d, uint64_t a)
{
    hk_dcache_access(d, a, 1);
}

/* One access each to lines first, first + step, ... (n lines) of page
 * `page`, in that order; step may be negative. */
static void touch_lines(hk_dcache *d, uint64_t page, int first, int step,
                        int n)
{
    for (int i = 0; i < n; i++)
        touch(d, LINE(page, first + i * step));
}

static void one_line_repeated(void)
{
    /* L1 2 x 4 sets, L2 4 x 8, L3 8 x 16. */
    hk_dcache *d = dc_new(geometry(2, 4, 4, 8, 8, 16));
    hk_dcache_access(d, 0x1000, 1);
    /* First touch of line 0 of page 1: misses every level. */
    EXPECT(d, .accesses = 1, .misses = {1, 1, 1});
    hk_dcache_access(d, 0x1000, 1);
    hk_dcache_access(d, 0x1008, 8);
    hk_dcache_access(d, 0x103f, 1);
    /* Three more accesses within the same 64 bytes: one line each, hits. */
    EXPECT(d, .accesses = 4, .misses = {1, 1, 1});
    touch(d, 0x1080);
    touch(d, 0x1000);
    /* Line 2 (L1 set 2) is new: a miss everywhere (line 1, the line after
     * line 0, would have been streamed in).  Line 0 again, after another
     * line, is looked up in L1 and still there: a hit. */
    EXPECT(d, .accesses = 6, .misses = {2, 2, 2});
    hk_dcache_destroy(d);
}

static void spanning_lines_and_pages(void)
{
    hk_dcache *d = dc_new(geometry(2, 4, 4, 8, 8, 16));
    hk_dcache_access(d, 60, 8);
    /* Bytes 60..67: lines 0 and 1 of page 0, both cold.  Line 0 misses
     * every level; line 1 misses L1 right after line 0: prefetched. */
    EXPECT(d, .accesses = 2, .misses = {1, 1, 1}, .prefetched = 1);
    hk_dcache_access(d, 0, 128);
    hk_dcache_access(d, 64, 1);
    /* Bytes 0..127 are the same two lines, then line 1 once more: three
     * hits (the prefetched line was filled like a miss). */
    EXPECT(d, .accesses = 5, .misses = {1, 1, 1}, .prefetched = 1);
    hk_dcache_access(d, 0xffc, 8);
    /* Bytes 0xffc..0x1003 cross into page 1: line 63 of page 0 (L1 set 3)
     * and line 0 of page 1 (set 0), both cold.  Both miss: line 63 does
     * not follow line 1, and page 1's frame is not the one after page
     * 0's, so the stream does not go on into page 1. */
    EXPECT(d, .accesses = 7, .misses = {3, 3, 3}, .prefetched = 1);
    touch(d, PAGE(0));
    touch(d, PAGE(1));
    /* Line 0 of pages 0 and 1 are two lines of L1 set 0, [page 1,
     * page 0]: both hit. */
    EXPECT(d, .accesses = 9, .misses = {3, 3, 3}, .prefetched = 1);
    hk_dcache_access(d, 0x2fc0, 0x1080);
    /* Bytes 0x2fc0..0x403f: line 63 of page 2, all 64 lines of page 3,
     * line 0 of page 4; 66 cold lines.  Each page starts a stream of its
     * own: line 63 of page 2, line 0 of page 3 and line 0 of page 4 miss,
     * lines 1..63 of page 3 are prefetched. */
    EXPECT(d, .accesses = 75, .misses = {6, 6, 6}, .prefetched = 64);
    hk_dcache_access(d, PAGE(5), 4096);
    /* Exactly page 5: 64 cold lines, line 0 missed, 63 prefetched. */
    EXPECT(d, .accesses = 139, .misses = {7, 7, 7}, .prefetched = 127);
    touch_lines(d, 5, 0, 2, 32);
    touch_lines(d, 5, 1, 2, 32);
    /* Page 5 again, its even lines then its odd ones: nothing is
     * prefetched.  Each even line starts a stream, and the table ends
     * with lines 32..62's; lines 1..31 continue none of them, and the 16
     * streams they start displace them all before line 33 comes.  L1 set
     * s (4 sets), which holds [s + 60, s + 56], sees lines s, s + 4, ...,
     * s + 60 in turn (all of one parity, so in order), 16 lines cycling
     * through 2 ways: each was evicted since its last use, 64 misses.  L2
     * set s (8 sets) likewise cycles 8 lines through 4 ways: 64 misses.
     * L3 set s (16 sets) got the page's lines s, s + 16, s + 32, s + 48
     * last of all, 4 of its 8 ways: all 64 hit. */
    EXPECT(d, .accesses = 203, .misses = {71, 71, 7}, .prefetched = 127);
    hk_dcache_destroy(d);
}

static void lru_within_l1_set(void)
{
    /* L1 only, 2 ways x 2 sets: lines at offsets 0, 128, 256 of a page
     * (lines 0, 2, 4) all map to set 0; offset 64 (line 1) to set 1. */
    hk_dcache *d = dc_new(geometry(2, 2, 0, 0, 0, 0));
    const uint64_t A = 0, B = 128, C = 256;
    touch(d, A);
    touch(d, B);
    touch(d, A);
    touch(d, C);
    /* A, B miss: [B, A].  A hits and becomes the most recent: [A, B].  C
     * misses and evicts the least recent, B, not A: [C, A].  (Without the
     * refresh A would have gone.) */
    EXPECT(d, .accesses = 4, .misses = {3, 3, 3});
    touch(d, A);
    touch(d, B);
    touch(d, C);
    /* A hits: [A, C].  B misses, evicts C: [B, A].  C misses, evicts A:
     * [C, B]. */
    EXPECT(d, .accesses = 7, .misses = {5, 5, 5});
    touch(d, 448);
    touch(d, B);
    /* Line 7 goes to set 1, a cold miss that leaves set 0 alone: B still
     * hits.  (Not line 1, which would continue the stream line 0's miss
     * began: prefetched.) */
    EXPECT(d, .accesses = 9, .misses = {6, 6, 6});
    touch(d, PAGE(1));
    touch(d, B);
    touch(d, 448);
    touch(d, C);
    /* Line 0 of page 1 also maps to set 0: a miss evicting C ([page 1,
     * B]); B hits; line 7 in set 1 hits; C misses. */
    EXPECT(d, .accesses = 13, .misses = {8, 8, 8});
    hk_dcache_destroy(d);
}

static void l1_miss_l2_hit(void)
{
    /* Fully associative levels: L1 2 lines, L2 4, L3 16.  Every other
     * line of page 0, so that no access is to the line after the one
     * before it: every L1 miss is a plain miss, none prefetched. */
    hk_dcache *d = dc_new(geometry(2, 1, 4, 1, 16, 1));
    const uint64_t A = LINE(0, 0), B = LINE(0, 2), C = LINE(0, 4),
                   D = LINE(0, 6), E = LINE(0, 8);
    touch(d, A);
    touch(d, B);
    touch(d, C);
    touch(d, D);
    touch(d, E);
    /* 5 cold lines.  L1 [E, D], L2 [E, D, C, B], L3 [E, D, C, B, A]. */
    EXPECT(d, .accesses = 5, .misses = {5, 5, 5});
    touch(d, A);
    touch(d, B);
    /* A: only L3 holds it (misses[0], misses[1]); L1 [A, E], L2 [A, E,
     * D, C].  B likewise: L1 [B, A], L2 [B, A, E, D]. */
    EXPECT(d, .accesses = 7, .misses = {7, 7, 5});
    touch(d, A);
    touch(d, E);
    touch(d, D);
    /* A hits L1: [A, B].  E, evicted from L1 but still in L2, misses L1
     * only: L1 [E, A], L2 [E, B, A, D].  D the same: L1 [D, E], L2 [D, E,
     * B, A]. */
    EXPECT(d, .accesses = 10, .misses = {9, 7, 5});
    touch(d, C);
    /* C: gone from L1 and L2, in L3. */
    EXPECT(d, .accesses = 11, .misses = {10, 8, 5});
    hk_dcache_destroy(d);
}

static void absent_levels(void)
{
    /* Every other line (all levels here have one set), so none is
     * streamed in. */
    enum { A = 1, B = 2, C = 3 };
    static const struct {
        int line;            /* where the case is, for its failures */
        uint32_t w1, w2, w3; /* ways of each level, one set; 0: absent */
        int lines[6];        /* A, B or C in turn, 0 ends */
        uint64_t misses[3];
    } cases[] = {
        /* L1 alone, 2 lines: A, B miss; A hits; C misses (evicts B); A
         * hits twice.  Each L1 miss is a miss of every level. */
        {__LINE__, 2, 0, 0, {A, B, A, C, A, A}, {3, 3, 3}},
        /* No L1: every access misses it, even A right after A.  L2, 2
         * lines: A misses, A hits, B misses, A hits ([A, B]), C misses
         * (evicts B), B misses.  L3 absent: misses[2] = misses[1]. */
        {__LINE__, 0, 2, 0, {A, A, B, A, C, B}, {6, 4, 4}},
        /* No L2: L1 [C, B] lost A, L3 [C, B, A] has it: misses[0] and
         * misses[1], not misses[2]. */
        {__LINE__, 2, 0, 4, {A, B, C, A}, {4, 4, 3}},
        /* Not inclusive: L3 [C, B] evicted A, L1 [C, B, A] keeps it: a
         * hit. */
        {__LINE__, 4, 0, 2, {A, B, C, A}, {3, 3, 3}},
    };
    static const uint64_t addr[] = {[A] = LINE(0, 0), [B] = LINE(0, 2),
                                    [C] = LINE(0, 4)};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hk_dcache *d = dc_new(geometry(cases[i].w1, !!cases[i].w1,
                                       cases[i].w2, !!cases[i].w2,
                                       cases[i].w3, !!cases[i].w3));
        uint64_t n = 0;
        for (; n < 6 && cases[i].lines[n]; n++)
            touch(d, addr[cases[i].lines[n]]);
        expect_stats(d,
                     (hk_dcache_stats){.accesses = n,
                                       .misses = {cases[i].misses[0],
                                                  cases[i].misses[1],
                                                  cases[i].misses[2]}},
                     cases[i].line);
        hk_dcache_destroy(d);
    }

    hk_dcache_config c = geometry(0, 0, 0, 0, 0, 0);
    c.fault_lines[0] = c.fault_lines[1] = c.fault_lines[2] = 5;
    c.fault_path_lines = 3;
    hk_dcache *d = dc_new(c);
    hk_dcache_access(d, 0, 128);
    hk_dcache_access(d, 0, 128);
    hk_dcache_fault(d, 0);
    /* No level at all: lines 0, 1, 0, 1, all missed by every level.  Line
     * 0 counts as a miss twice; line 1, each time right after line 0, as
     * prefetched.  The fault path's 3 lines all count in fault_misses
     * (the stream rule is the program's only); there is nothing to
     * displace. */
    EXPECT(d, .accesses = 4, .misses = {2, 2, 2}, .prefetched = 2,
           .fault_accesses = 3, .fault_misses = {3, 3, 3});
    hk_dcache_destroy(d);
}

/* L1 2 x 64 sets (128 lines), L2 16 x 64 (1024), L3 32 x 64 (2048): set s
 * of each level holds lines at offset s of their pages. */
static hk_dcache_config fault_geometry(uint32_t l1, uint32_t l2, uint32_t l3)
{
    hk_dcache_config c = geometry(2, 64, 16, 64, 32, 64);
    c.fault_lines[0] = l1;
    c.fault_lines[1] = l2;
    c.fault_lines[2] = l3;
    return c;
}

static void fault_zeroed_page_and_flush(void)
{
    /* X and Y are lines 0 and 2 of page 5: not consecutive, so Y right
     * after X is a plain miss. */
    const uint64_t X = LINE(5, 0), Y = LINE(5, 2), AT = 0x9123; /* page 9 */

    hk_dcache *d = dc_new(fault_geometry(0, 0, 0));
    touch(d, X);
    touch(d, Y);
    hk_dcache_fault(d, AT);
    /* The fault fills page 9's 64 lines into every level and counts
     * nothing (no fault path); it displaces nothing. */
    EXPECT(d, .accesses = 2, .misses = {2, 2, 2});
    touch(d, X);
    hk_dcache_access(d, PAGE(9), 4096);
    touch(d, Y);
    /* L1 set 0 is [page 9 line 0, X], set 2 [page 9 line 2, Y]: X, the
     * whole zeroed page and Y hit L1 (hits count nothing, next line or
     * not). */
    EXPECT(d, .accesses = 68, .misses = {2, 2, 2});
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(128, 0, 0));
    touch(d, X);
    touch(d, Y);
    hk_dcache_fault(d, AT);
    /* fault_lines[0] is L1's 128 slots: L1 is emptied after the page was
     * filled, and it held X, Y and the page's 64 lines: 66 evictions. */
    EXPECT(d, .accesses = 2, .misses = {2, 2, 2}, .fault_evictions = 66);
    touch(d, X);
    hk_dcache_access(d, PAGE(9), 4096);
    /* X misses L1 and hits L2; so does each of the page's lines, in order:
     * line 0 (not the line after X) is a miss, lines 1..63 are prefetched,
     * however far down the line was found. */
    EXPECT(d, .accesses = 67, .misses = {4, 2, 2}, .prefetched = 63,
           .fault_evictions = 66);
    hk_dcache_access(d, PAGE(9), 4096);
    touch(d, Y);
    /* The page is back in L1: 64 hits.  Y, flushed, hits L2. */
    EXPECT(d, .accesses = 132, .misses = {5, 2, 2}, .prefetched = 63,
           .fault_evictions = 66);
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(1000, 1024, 0));
    touch(d, X);
    touch(d, Y);
    hk_dcache_fault(d, AT);
    /* More than L1's slots empties it (66 lines); exactly L2's 1024 empties
     * L2 too (the same 66). */
    EXPECT(d, .accesses = 2, .misses = {2, 2, 2}, .fault_evictions = 132);
    touch(d, X);
    touch_lines(d, 9, 63, -1, 64);
    /* Only L3 holds X and the page, read backwards so that none of its
     * lines is prefetched: 65 misses of L1 and L2. */
    EXPECT(d, .accesses = 67, .misses = {67, 67, 2},
           .fault_evictions = 132);
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(128, 0, 0));
    touch(d, X);
    touch(d, Y);
    hk_dcache_fault(d, LINE(5, 63));
    /* A fault on X's own page: its fill hits X and Y, so L1 holds just
     * the page's 64 lines when it is emptied. */
    EXPECT(d, .accesses = 2, .misses = {2, 2, 2}, .fault_evictions = 64);
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(128, 0, 0));
    touch(d, X);
    hk_dcache_fault(d, AT);
    touch(d, X);
    /* The same line right before and after a flushing fault: L1 lost it
     * (65 lines emptied), so it misses L1 and hits L2. */
    EXPECT(d, .accesses = 2, .misses = {2, 1, 1}, .fault_evictions = 65);
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(127, 0, 0));
    hk_dcache_fault(d, AT);
    uint64_t emptied = hk_dcache_stats_get(d)->fault_evictions;
    /* One slot short of L1's 128: 127 pseudo-random slots are emptied, of
     * which only the page's 64 lines (one per set) are valid.  Each line
     * emptied counts once; empty slots count nothing. */
    CHECK(emptied > 0 && emptied <= 64, "fault_evictions %llu",
          (unsigned long long)emptied);
    touch_lines(d, 9, 63, -1, 64);
    /* Exactly the lines emptied miss L1 (and hit L2); refills go to free
     * ways, so the others hit.  Backwards, so each is a plain miss
     * wherever it lies (in order, an emptied line after line 0 would be
     * prefetched). */
    EXPECT(d, .accesses = 64, .misses = {emptied, 0, 0},
           .fault_evictions = emptied);
    hk_dcache_destroy(d);

    d = dc_new(fault_geometry(1, 0, 0));
    hk_dcache_access(d, PAGE(5), 4096);
    hk_dcache_access(d, PAGE(6), 4096);
    hk_dcache_fault(d, PAGE(6));
    /* Pages 5 and 6 fill L1 exactly: set s is [page 6 line s, page 5 line
     * s], and the fault's fill of page 6 only hits.  Each page's line 0
     * misses, its other 63 lines are prefetched.  Displacing 1 slot of a
     * full L1 empties exactly one valid line, wherever it is. */
    EXPECT(d, .accesses = 128, .misses = {2, 2, 2}, .prefetched = 126,
           .fault_evictions = 1);
    touch_lines(d, 5, 63, -1, 64);
    touch_lines(d, 6, 63, -1, 64);
    /* Both pages backwards: the line lost is the one L1 miss (an L2 hit),
     * a plain miss wherever it was; its refill goes into the way it left
     * empty, so nothing else is evicted. */
    EXPECT(d, .accesses = 256, .misses = {3, 2, 2}, .prefetched = 126,
           .fault_evictions = 1);
    hk_dcache_destroy(d);
}

static void fault_path_lines(void)
{
    /* L1 4 x 64 sets, so each set can hold the faulted page's line, the
     * fault path's two pages' lines and one more. */
    hk_dcache_config c = geometry(4, 64, 16, 64, 32, 64);
    c.fault_path_lines = 100;
    hk_dcache *d = dc_new(c);
    hk_dcache_fault(d, PAGE(9));
    /* 100 fault path lines (64 of one page, 36 of the next), all cold. */
    EXPECT(d, .fault_accesses = 100, .fault_misses = {100, 100, 100});
    hk_dcache_fault(d, PAGE(9));
    /* L1 set s holds page 9 line s, path line s and, for s < 36, path
     * line 64 + s: 3 of 4 ways.  Everything hits. */
    EXPECT(d, .fault_accesses = 200, .fault_misses = {100, 100, 100});
    hk_dcache_access(d, PAGE(9), 4096);
    /* The zeroed page was counted nowhere, but is in L1: 64 hits. */
    EXPECT(d, .accesses = 64, .fault_accesses = 200,
           .fault_misses = {100, 100, 100});
    hk_dcache_destroy(d);

    c = geometry(2, 64, 16, 64, 32, 64);
    c.fault_path_lines = 100;
    d = dc_new(c);
    hk_dcache_fault(d, PAGE(9));
    EXPECT(d, .fault_accesses = 100, .fault_misses = {100, 100, 100});
    hk_dcache_fault(d, PAGE(9));
    /* 2 ways per L1 set.  After the first fault set s < 36 is [path 64 +
     * s, path s] (page 9 line s evicted), set s >= 36 [path s, page 9 line
     * s].  Second fault: for s < 36, page 9's line misses L1 (an L2 hit,
     * not counted) and evicts path s, which then misses and evicts path
     * 64 + s, which misses too: 72 L1 misses, all L2 hits.  For s >= 36
     * everything hits. */
    EXPECT(d, .fault_accesses = 200, .fault_misses = {172, 100, 100});
    hk_dcache_destroy(d);

    c = geometry(4, 64, 16, 64, 32, 64);
    c.fault_path_lines = 100;
    c.fault_lines[0] = 256; /* L1's slots */
    d = dc_new(c);
    hk_dcache_fault(d, PAGE(9));
    /* L1 held the page's 64 lines and the path's 100 when emptied. */
    EXPECT(d, .fault_accesses = 100, .fault_misses = {100, 100, 100},
           .fault_evictions = 164);
    hk_dcache_fault(d, PAGE(9));
    /* Everything misses the empty L1 and hits L2; L1 is emptied again. */
    EXPECT(d, .fault_accesses = 200, .fault_misses = {200, 100, 100},
           .fault_evictions = 328);
    hk_dcache_destroy(d);
}

/* n events pass. */
static void events(hk_dcache *d, int n)
{
    while (n-- > 0)
        hk_dcache_event(d);
}

_Static_assert(HK_DCACHE_GAPS == 3, "miss_gaps expects distances 0, 1, 2+");

/* The misses to memory by their gap: 0, 1, 2 or more events. */
static void expect_gaps(const hk_dcache *d, uint64_t g0, uint64_t g1,
                        uint64_t g2)
{
    const hk_dcache_stats *st = hk_dcache_stats_get(d);
    CHECK(st->mem_gaps[0] == g0 && st->mem_gaps[1] == g1 &&
              st->mem_gaps[2] == g2,
          "gaps %llu %llu %llu, want %llu %llu %llu",
          (unsigned long long)st->mem_gaps[0],
          (unsigned long long)st->mem_gaps[1],
          (unsigned long long)st->mem_gaps[2], (unsigned long long)g0,
          (unsigned long long)g1, (unsigned long long)g2);
}

static void miss_gaps(void)
{
    /* L1 2 x 4 sets, L2 4 x 8, L3 8 x 16. */
    hk_dcache *d = dc_new(geometry(2, 4, 4, 8, 8, 16));
    touch(d, LINE(1, 0)); /* the first miss to memory: as far as counts go */
    touch(d, LINE(2, 2)); /* in the same event */
    events(d, 1);
    touch(d, LINE(3, 4)); /* one event on */
    events(d, 2);
    touch(d, LINE(4, 6)); /* two */
    events(d, 5);
    touch(d, LINE(5, 8)); /* five: counted as two or more */
    events(d, 1);
    /* L1 set 0 held page 1's line 0, page 3's line 4 and page 5's line
     * 8: the first is gone from its 2 ways, not from L2's set 0 (line
     * number mod 8), which has 4.  No miss to memory: no gap counted. */
    touch(d, LINE(1, 0));
    events(d, 1);
    touch(d, LINE(6, 10)); /* two events after the last miss to memory */
    expect_gaps(d, 1, 1, 4);
    EXPECT(d, .accesses = 7, .misses = {7, 6, 6});
    hk_dcache_destroy(d);
}

/* In a run of stores, the first miss to memory counts as any, the later
 * ones apart (store_misses), outside the gaps; their misses in L1 and L2
 * count as any, and a new run starts afresh. */
static void store_runs(void)
{
    hk_dcache *d = dc_new(geometry(2, 4, 4, 8, 8, 16));
    touch(d, LINE(1, 0)); /* a load's miss to memory */
    events(d, 1);
    hk_dcache_stores(d, 1);
    touch(d, LINE(2, 2)); /* the run's first miss to memory: as any */
    touch(d, LINE(3, 4)); /* overlapped */
    touch(d, LINE(4, 6)); /* overlapped */
    touch(d, LINE(2, 2)); /* L1 holds it now */
    hk_dcache_stores(d, 0);
    events(d, 2);
    touch(d, LINE(5, 8)); /* a load, two events after the last counted */
    hk_dcache_stores(d, 1);
    touch(d, LINE(6, 10)); /* a new run's first: as any, same event */
    hk_dcache_stores(d, 0);
    touch(d, LINE(3, 4)); /* a load of a line a store brought in */
    expect_gaps(d, 1, 1, 2);
    EXPECT(d, .accesses = 8, .misses = {6, 6, 4}, .store_misses = 2);
    hk_dcache_destroy(d);
}

static void streams(void)
{
    /* L1 2 x 64 sets, L2 16 x 64, L3 32 x 64: line s of any page goes to
     * set s of each level; no fault displaces anything. */
    const hk_dcache_config c = geometry(2, 64, 16, 64, 32, 64);

    hk_dcache *d = dc_new(c);
    hk_dcache_access(d, LINE(3, 8), 8 * HK_DCACHE_LINE);
    /* Lines 8..15 of page 3, cold, in one access: line 8 misses every
     * level; each of lines 9..15 misses L1 right after the line before it
     * was looked up: 7 prefetched. */
    EXPECT(d, .accesses = 8, .misses = {1, 1, 1}, .prefetched = 7);
    hk_dcache_access(d, LINE(3, 8), 8 * HK_DCACHE_LINE);
    /* Prefetched lines are filled like misses: all 8 hit L1 now, and a
     * next line that hits counts nothing. */
    EXPECT(d, .accesses = 16, .misses = {1, 1, 1}, .prefetched = 7);
    hk_dcache_destroy(d);

    d = dc_new(c);
    touch_lines(d, 3, 15, -1, 8);
    /* The same 8 lines, cold, one access each from 15 down to 8: each is
     * the line before the one looked up last, never the one after: 8
     * misses at every level. */
    EXPECT(d, .accesses = 8, .misses = {8, 8, 8});
    hk_dcache_destroy(d);

    d = dc_new(c);
    hk_dcache_access(d, LINE(2, 60), 8 * HK_DCACHE_LINE);
    /* Lines 60..63 of page 2, then lines 0..3 of page 3, cold.  Frames are
     * 0xc770ff3bee for page 2 and 0x79e3f6d0b9 for page 3, so page 3's
     * line 0 (key 0x79e3f6d0b9 << 6) is not the key after page 2's line
     * 63 (0xc770ff3bee << 6 | 63): the stream ends at the boundary and a
     * new one starts.  Lines 60 and 0 miss, the other 6 are prefetched. */
    EXPECT(d, .accesses = 8, .misses = {2, 2, 2}, .prefetched = 6);
    hk_dcache_destroy(d);

    d = dc_new(c);
    touch(d, LINE(4, 5));
    touch(d, LINE(4, 4));
    touch(d, LINE(4, 5));
    /* Line 5 misses; line 4, not the line after 5, misses.  Line 5 again
     * is the line after 4, but L1 (set 5) holds it: a hit, counted
     * neither as prefetched nor as a miss. */
    EXPECT(d, .accesses = 3, .misses = {2, 2, 2});
    touch(d, LINE(4, 6));
    /* Line 6, cold, after line 5: prefetched. */
    EXPECT(d, .accesses = 4, .misses = {2, 2, 2}, .prefetched = 1);
    hk_dcache_destroy(d);

    d = dc_new(c);
    for (int i = 0; i < 8; i++) {
        touch(d, LINE(3, 8 + i));
        touch(d, LINE(5, 20 + i));
    }
    /* Lines 8..15 of page 3 and 20..27 of page 5, cold, taken in turn:
     * two streams followed at once.  Lines 8 and 20 miss and start them;
     * the other 14 each continue one: prefetched. */
    EXPECT(d, .accesses = 16, .misses = {2, 2, 2}, .prefetched = 14);
    hk_dcache_destroy(d);

    d = dc_new(c);
    touch_lines(d, 3, 0, 2, 17);
    touch(d, LINE(3, 1));
    touch(d, LINE(3, 3));
    /* Lines 0, 2, ..., 32 of page 3, cold: 17 misses, 17 streams started,
     * and the table keeps the last 16: line 0's is gone.  Line 1 then
     * misses and starts a stream in place of line 2's, the oldest left;
     * line 3 would continue line 2's, gone too: a miss, whose stream takes
     * line 4's place.  Line 7 continues line 6's: prefetched. */
    EXPECT(d, .accesses = 19, .misses = {19, 19, 19});
    touch(d, LINE(3, 7));
    EXPECT(d, .accesses = 20, .misses = {19, 19, 19}, .prefetched = 1);
    hk_dcache_destroy(d);

    d = dc_new(c);
    touch(d, LINE(7, 10));
    touch(d, LINE(7, 11));
    /* Without a fault between them, line 11 after line 10 streams. */
    EXPECT(d, .accesses = 2, .misses = {1, 1, 1}, .prefetched = 1);
    hk_dcache_destroy(d);

    d = dc_new(c);
    touch(d, LINE(7, 10));
    hk_dcache_fault(d, PAGE(20));
    touch(d, LINE(7, 11));
    /* The same two lines with a fault between: the fault fills page 20
     * (a second way of each L1 set, so line 10 of page 7 stays) and
     * forgets every stream, so line 11, cold, is a miss at every level,
     * not a prefetch. */
    EXPECT(d, .accesses = 2, .misses = {2, 2, 2});
    touch(d, LINE(7, 12));
    /* The stream resumes from there: line 12 follows line 11. */
    EXPECT(d, .accesses = 3, .misses = {2, 2, 2}, .prefetched = 1);
    hk_dcache_destroy(d);
}

static void default_geometry(void)
{
    hk_dcache_config c;
    hk_dcache_config_default(&c);
    CHECK(c.bytes[0] == 48 << 10 && c.ways[0] == 12, "L1");
    CHECK(c.bytes[1] == 1280 << 10 && c.ways[1] == 10, "L2");
    CHECK(c.bytes[2] == 16 << 20 && c.ways[2] == 16, "L3");
    CHECK(!c.fault_lines[0] && !c.fault_lines[1] && !c.fault_lines[2] &&
              !c.fault_path_lines,
          "faults displace nothing");
    hk_dcache *d = dc_new(c);
    hk_dcache_access(d, PAGE(0), PAGE(12));
    hk_dcache_access(d, PAGE(0), PAGE(12));
    /* L1 has 64 sets of 12 ways: line s of each of the 12 pages goes to
     * set s, filling L1 exactly.  768 cold lines, of which each page's
     * line 0 misses and the other 756 are prefetched; then 768 hits. */
    EXPECT(d, .accesses = 1536, .misses = {12, 12, 12}, .prefetched = 756);
    hk_dcache_access(d, PAGE(12), PAGE(1));
    touch_lines(d, 0, 63, -1, 64);
    /* Page 12's lines are cold (line 0 missed, 63 prefetched) and each
     * evicts page 0's line from its L1 set; page 0, read backwards so
     * that nothing is prefetched, then misses L1 and hits L2 64 times
     * (hashed frames, but 13 pages hardly load 10 ways of any of its
     * 2048 sets). */
    EXPECT(d, .accesses = 1664, .misses = {77, 13, 13}, .prefetched = 819);
    hk_dcache_destroy(d);
}

/* A bad config: check and create fail with a reason naming level `k`
 * (1-3) and containing `why`. */
static void expect_rejected(hk_dcache_config c, unsigned k, const char *why)
{
    char want[32], err[200] = "";
    snprintf(want, sizeof want, "data cache L%u ", k);
    CHECK(hk_dcache_config_check(&c, err, sizeof err) == -1, "check L%u %s",
          k, why);
    CHECK(strstr(err, want) && strstr(err, why), "'%s' lacks L%u, %s", err,
          k, why);
    err[0] = '\0';
    hk_dcache *d = hk_dcache_create(&c, err, sizeof err);
    CHECK(d == NULL, "create L%u %s", k, why);
    CHECK(strstr(err, want) && strstr(err, why), "'%s' lacks L%u, %s", err,
          k, why);
    hk_dcache_destroy(d);
}

static void config_validation(void)
{
    hk_dcache_config def, c;
    char err[200] = "";
    hk_dcache_config_default(&def);
    CHECK(hk_dcache_config_check(&def, err, sizeof err) == 0, "%s", err);

    c = def;
    c.ways[0] = 0;
    expect_rejected(c, 1, "1 to 64");
    c = def;
    c.bytes[1] = 65 * 64 * 4; /* 4 sets of 65 ways */
    c.ways[1] = 65;
    expect_rejected(c, 2, "1 to 64");
    c = def;
    c.bytes[1] = 1000; /* not a multiple of 10 * 64 */
    expect_rejected(c, 2, "power of two");
    c = def;
    c.bytes[2] = 3 * 16 * 64; /* 3 sets */
    expect_rejected(c, 3, "power of two");
    c = def;
    c.bytes[1] = (uint64_t)2 << 30;
    c.ways[1] = 16;
    expect_rejected(c, 2, "1 GiB");
    c = def;
    c.bytes[0] = 64; /* less than one set of 12 ways */
    expect_rejected(c, 1, "power of two");

    /* Legal corners: an absent level whatever its ways, 1 and 64 ways,
     * one set, exactly 1 GiB (checked, not built), no level at all. */
    c = def;
    c.bytes[1] = 0;
    c.ways[1] = 0;
    c.bytes[2] = 0;
    c.ways[2] = 1000;
    CHECK(hk_dcache_config_check(&c, err, sizeof err) == 0, "%s", err);
    c = geometry(64, 1, 1, 1, 16, 1 << 20); /* L3: 16 x 2^20 x 64 = 1 GiB */
    CHECK(hk_dcache_config_check(&c, err, sizeof err) == 0, "%s", err);
    c.bytes[2] *= 2;
    CHECK(hk_dcache_config_check(&c, err, sizeof err) == -1, "2 GiB");
    c = geometry(0, 0, 0, 0, 0, 0);
    CHECK(hk_dcache_config_check(&c, err, sizeof err) == 0, "%s", err);
}

/* Field by field: the struct has padding, which memcmp would compare. */
static int same_config(const hk_dcache_config *a, const hk_dcache_config *b)
{
    for (int k = 0; k < HK_DCACHE_LEVELS; k++)
        if (a->bytes[k] != b->bytes[k] || a->ways[k] != b->ways[k] ||
            a->fault_lines[k] != b->fault_lines[k])
            return 0;
    return a->fault_path_lines == b->fault_path_lines;
}

static void config_by_name(void)
{
    static const char *const names[] = {
        "l1_bytes",       "l2_bytes",       "l3_bytes",
        "l1_ways",        "l2_ways",        "l3_ways",
        "fault_l1_lines", "fault_l2_lines", "fault_l3_lines",
        "fault_path_lines"};
    enum { N = sizeof names / sizeof names[0] };
    /* Distinct values, so a name setting the wrong field shows. */
    static const uint64_t values[N] = {1 << 10, 2 << 10, 4 << 10, 11, 12,
                                       13,      21,      22,      23, 31};

    hk_dcache_config c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < N; i++)
        CHECK(hk_dcache_config_set(&c, names[i], values[i]) == 0, "set %s",
              names[i]);
    for (int k = 0; k < HK_DCACHE_LEVELS; k++) {
        CHECK(c.bytes[k] == values[k], "bytes[%d] = %llu", k,
              (unsigned long long)c.bytes[k]);
        CHECK(c.ways[k] == values[3 + k], "ways[%d] = %u", k, c.ways[k]);
        CHECK(c.fault_lines[k] == values[6 + k], "fault_lines[%d] = %u", k,
              c.fault_lines[k]);
    }
    CHECK(c.fault_path_lines == values[9], "fault_path_lines = %u",
          c.fault_path_lines);

    /* Visiting gives every field, in order, with its value. */
    struct visited seen = {0};
    hk_dcache_config_visit(&c, record, &seen);
    CHECK(seen.n == N, "visited %d fields", seen.n);
    for (int i = 0; i < N && i < seen.n; i++) {
        CHECK(strcmp(seen.names[i], names[i]) == 0, "field %d is %s", i,
              seen.names[i]);
        CHECK(seen.values[i] == values[i], "%s = %llu", names[i],
              (unsigned long long)seen.values[i]);
    }

    /* Round trip: setting what the default visits gives the default. */
    hk_dcache_config def, copy;
    hk_dcache_config_default(&def);
    memset(&copy, 0xff, sizeof copy);
    struct visited dv = {0};
    hk_dcache_config_visit(&def, record, &dv);
    CHECK(dv.n == N, "visited %d fields", dv.n);
    for (int i = 0; i < N && i < dv.n; i++)
        CHECK(hk_dcache_config_set(&copy, dv.names[i], dv.values[i]) == 0,
              "set %s", dv.names[i]);
    CHECK(same_config(&copy, &def), "default round trip");

    /* Unknown names: -1, nothing changed. */
    hk_dcache_config before = c;
    CHECK(hk_dcache_config_set(&c, "l4_bytes", 1) == -1, "l4_bytes");
    CHECK(hk_dcache_config_set(&c, "l1_byte", 1) == -1, "l1_byte");
    CHECK(hk_dcache_config_set(&c, "", 1) == -1, "empty name");
    CHECK(hk_dcache_config_set(&c, "L1_bytes", 1) == -1, "L1_bytes");
    CHECK(same_config(&before, &c), "unknown name changed c");
}

/* Shaping: the nearest legal level at or below the size asked for, its
 * ways near those asked for, and always a geometry check accepts. */
static void config_shape(void)
{
    static const struct {
        uint64_t bytes;
        uint32_t ways, want_ways;
        uint64_t want_bytes;
    } cases[] = {
        {6 << 20, 25, 48, 2048 * 48 * 64},    /* 6 MiB of a 25-way L3 */
        {3276800, 25, 25, 3276800},           /* already legal: kept */
        {5 << 20, 16, 20, 4096 * 20 * 64},    /* 5 MiB near 16 ways */
        {48 << 10, 12, 12, 48 << 10},         /* Golden Cove's L1 */
        {1000, 16, 15, 15 * 64},              /* 15 lines: one set */
        {100, 0, 1, 64},                      /* one line; 0: about 16 */
        {63, 16, 16, 0},                      /* under a line: absent */
        {(uint64_t)1 << 30, 200, 16, (uint64_t)1 << 30}, /* over 64: 16 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hk_dcache_config c;
        hk_dcache_config_default(&c);
        hk_dcache_config_shape(&c, 2, cases[i].bytes, cases[i].ways);
        CHECK(c.bytes[2] == cases[i].want_bytes && c.ways[2] ==
              cases[i].want_ways, "%llu bytes, %u ways: %llu bytes, %u ways",
              (unsigned long long)cases[i].bytes, cases[i].ways,
              (unsigned long long)c.bytes[2], c.ways[2]);
        char err[200] = "";
        CHECK(hk_dcache_config_check(&c, err, sizeof err) == 0, "%s", err);
        CHECK(c.bytes[0] == 48 << 10 && c.bytes[1] == 1280 << 10,
              "shaping L3 moved another level");
    }
}

/* The next step of a fixed mix of accesses and faults: x is the state of
 * the sequence's generator.  About one step in 32 is a fault. */
static void mixed_step(hk_dcache *d, uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t addr = (*x >> 20) % PAGE(256);
    if ((*x >> 59) == 0)
        hk_dcache_fault(d, addr);
    else
        hk_dcache_access(d, addr, 1 + (*x >> 8) % 200);
}

static int same_stats(const hk_dcache *a, const hk_dcache *b)
{
    return memcmp(hk_dcache_stats_get(a), hk_dcache_stats_get(b),
                  sizeof(hk_dcache_stats)) == 0;
}

static void determinism(void)
{
    /* Hashed L2 and L3 (512 and 1024 sets); faults displace part of every
     * level at pseudo-random slots, and run a fault path. */
    hk_dcache_config c = geometry(4, 64, 8, 512, 16, 1024);
    c.fault_lines[0] = 40;
    c.fault_lines[1] = 500;
    c.fault_lines[2] = 3000;
    c.fault_path_lines = 50;
    enum { STEPS = 20000 };

    hk_dcache *a = dc_new(c), *b = dc_new(c);
    /* Interleaved, a step each: no state is shared between the two. */
    uint64_t xa = 12345, xb = 12345;
    for (int i = 0; i < STEPS; i++) {
        mixed_step(a, &xa);
        mixed_step(b, &xb);
    }
    CHECK(same_stats(a, b), "interleaved runs differ");

    /* A third, alone and after the others: the same too. */
    hk_dcache *e = dc_new(c);
    uint64_t xe = 12345;
    for (int i = 0; i < STEPS; i++)
        mixed_step(e, &xe);
    CHECK(same_stats(a, e), "a later run differs");

    /* The sequence exercised every counter: misses at every level, hits
     * at every level, streams, faults with partial displacement. */
    const hk_dcache_stats *s = hk_dcache_stats_get(a);
    CHECK(s->accesses > s->misses[0] + s->prefetched &&
              s->misses[0] > s->misses[1] && s->misses[1] > s->misses[2] &&
              s->misses[2] > 0 && s->prefetched > 0,
          "accesses %llu, misses %llu %llu %llu, prefetched %llu",
          (unsigned long long)s->accesses, (unsigned long long)s->misses[0],
          (unsigned long long)s->misses[1], (unsigned long long)s->misses[2],
          (unsigned long long)s->prefetched);
    uint64_t faults = s->fault_accesses / 50;
    CHECK(faults > 100 && s->fault_accesses == faults * 50, "%llu faults",
          (unsigned long long)faults);
    CHECK(s->fault_evictions > 0 &&
              s->fault_evictions <= faults * (40 + 500 + 3000),
          "fault_evictions %llu", (unsigned long long)s->fault_evictions);

    /* And the comparison is not vacuous: another sequence differs. */
    hk_dcache *f = dc_new(c);
    uint64_t xf = 54321;
    for (int i = 0; i < STEPS; i++)
        mixed_step(f, &xf);
    CHECK(!same_stats(a, f), "a different sequence gave the same stats");

    hk_dcache_destroy(a);
    hk_dcache_destroy(b);
    hk_dcache_destroy(e);
    hk_dcache_destroy(f);
}

int main(void)
{
    static const check_case cases[] = {
        {"one line repeated", one_line_repeated},
        {"accesses spanning lines and pages", spanning_lines_and_pages},
        {"LRU within an L1 set", lru_within_l1_set},
        {"L1 miss, L2 hit", l1_miss_l2_hit},
        {"absent levels", absent_levels},
        {"fault: zeroed page and flushes", fault_zeroed_page_and_flush},
        {"fault path lines", fault_path_lines},
        {"streams", streams},
        {"misses to memory by distance", miss_gaps},
        {"runs of stores", store_runs},
        {"default geometry (Golden Cove)", default_geometry},
        {"config validation", config_validation},
        {"config by name", config_by_name},
        {"config shape", config_shape},
        {"determinism", determinism},
    };
    return check_cases(cases, sizeof cases / sizeof cases[0]);
}
