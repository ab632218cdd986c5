/*
 * measure_cache.c - the data caches: their geometry, what a line missed at
 * each level costs, and what a page fault does to them.
 *
 * Everything comes from pointer chases: a random cycle through every
 * cache line of a buffer on huge pages (so the TLB stays out of it),
 * each step a load that depends on the one before.  A chase over half of
 * a level's size runs at that level's latency; the model's terms are the
 * differences between neighbouring levels (sim/cost.h).  Loads that do
 * not depend on each other overlap, so the terms overstate what a program
 * whose misses are independent pays.
 *
 * Geometry.  CPUID (Intel leaf 4; AMD leaf 0x8000001D, else 0x80000005
 * and 0x80000006) says what the caches are.  L1 and L2 are taken as
 * reported when their sizes are credible.  A virtual machine often reports
 * a made-up L3 (this one's says 508 MiB), and the part of a shared L3 a
 * guest gets is whatever its neighbours leave, so the L3 is found by a
 * scan: chases over 2x, 4x, ... the L2 up to SCAN_MAX; the L3 ends where
 * the latency, interpolated between the sizes scanned, is halfway from
 * the L3's (the first size's) to memory's (the last's); the median of
 * L3_SCANS scans.  A reported L3 within a factor of two of that is
 * confirmed and taken as reported.
 * Sizes and ways are rounded so that the number of sets is a power of
 * two.
 *
 * Faults (dcache.h).  A chase lap over a cycle that fits a level, a page
 * fault, and another lap: the second lap's extra time over the latency
 * step to the next level is the number of the cycle's lines the fault
 * displaced, which scaled to the level's size is fault_l{1,2}_lines.  And
 * the fault itself costs more when the cycle between faults is larger
 * than L2 (the fault path's lines are gone from L1 and L2): the extra over
 * the L3 step is fault_path_lines.  Medians over FAULT_LAPS faults, the
 * three cycles taken in turn, each lap after a fault set against a
 * control lap without one (around_faults).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "experiments/calibrate/calib.h"
#include "experiments/common/stats.h"

#define LINE HK_DCACHE_LINE
#define HUGE_PAGE ((size_t)2 << 20)
#define SCAN_MAX ((size_t)32 << 20) /* bytes: memory's latency */
#define FAR_MIN ((size_t)32 << 20)
#define CHASE_STEPS 200000
#define FAULT_LAPS 101
#define MAX_LINES_REPORTED ((size_t)1 << 20)
#define L3_SCANS 3 /* the L3 is their median: a guest's share moves */

/* What CPUID says, per level (0: nothing). */
typedef struct reported {
    uint64_t bytes[HK_DCACHE_LEVELS];
    uint32_t ways[HK_DCACHE_LEVELS];
} reported;

/* Leaf 4 and AMD's 0x8000001D share a layout. */
static int deterministic_leaf(unsigned leaf, reported *r)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned a, b, c, d;
        __cpuid_count(leaf, i, a, b, c, d);
        unsigned type = a & 0x1f, lvl = (a >> 5) & 7;
        if (!type)
            break;
        if (type == 2 || lvl < 1 || lvl > HK_DCACHE_LEVELS)
            continue; /* instruction caches */
        uint32_t ways = (b >> 22) + 1, parts = ((b >> 12) & 0x3ff) + 1;
        uint64_t line = (b & 0xfff) + 1, sets = (uint64_t)c + 1;
        r->bytes[lvl - 1] = ways * parts * line * sets;
        r->ways[lvl - 1] = ways;
    }
    return r->bytes[0] != 0;
}

static void cpuid_caches(reported *r, char *from, size_t len)
{
    unsigned a, b, c, d, max;
    memset(r, 0, sizeof *r);
    int amd = calib_cpu_vendor(&max) == CALIB_AMD;
    if (!amd && max >= 4 && deterministic_leaf(4, r)) {
        snprintf(from, len, "cpuid 4");
        return;
    }
    __cpuid(0x80000000, max, b, c, d);
    if (!amd || max < 0x80000006) {
        snprintf(from, len, "no cpuid cache data");
        return;
    }
    if (max >= 0x8000001d && deterministic_leaf(0x8000001d, r)) {
        snprintf(from, len, "cpuid 0x8000001d");
        return;
    }
    __cpuid(0x80000005, a, b, c, d);
    r->bytes[0] = (uint64_t)(c >> 24) << 10;
    r->ways[0] = (c >> 16) & 0xff;
    __cpuid(0x80000006, a, b, c, d);
    r->bytes[1] = (uint64_t)(c >> 16) << 10;
    r->ways[1] =
        calib_amd_ways((c >> 12) & 0xf, (unsigned)(r->bytes[1] / LINE));
    r->bytes[2] = (uint64_t)(d >> 18) << 19;
    r->ways[2] =
        calib_amd_ways((d >> 12) & 0xf, (unsigned)(r->bytes[2] / LINE));
    snprintf(from, len, "cpuid 0x80000005/0x80000006");
}

/* ---- chases ---- */

/* A random cycle through the first `lines` lines of a huge-page buffer. */
typedef struct cycle {
    char *base;
    size_t bytes, lines;
    void *at;
} cycle;

static char *packed_line(const void *base, size_t i)
{
    return (char *)base + i * LINE;
}

static void cycle_open(cycle *cy, size_t bytes, uint64_t *rng)
{
    cy->bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    cy->base = calib_map_aligned(cy->bytes, HUGE_PAGE, MADV_HUGEPAGE);
    madvise(cy->base, cy->bytes, MADV_DONTFORK);
    cy->lines = bytes / LINE;
    cy->at = calib_chase_link(cy->lines, packed_line, cy->base, rng);
}

static void cycle_close(cycle *cy)
{
    munmap(cy->base, cy->bytes);
}

/* Bring a cycle in: two laps, or as many steps as a few timings take. */
static void warm(cycle *cy)
{
    calib_chase(&cy->at,
                cy->lines < 2 * CHASE_STEPS ? 2 * cy->lines : 4 * CHASE_STEPS);
}

/* ns per step over a working set of `bytes`: the best of a few runs. */
static double latency(size_t bytes, uint64_t *rng)
{
    cycle cy;
    cycle_open(&cy, bytes, rng);
    warm(&cy);
    double best = 1e30;
    for (int i = 0; i < 5; i++) {
        double t = (double)calib_chase(&cy.at, CHASE_STEPS) / CHASE_STEPS;
        if (t < best)
            best = t;
    }
    cycle_close(&cy);
    return best;
}

/* ---- the geometry and what a fault does ---- */

/*
 * Where the L3 ends, from chases over 2x, 4x, ... an L2 of l2 bytes up to
 * SCAN_MAX, or 0.  Latency rises over a range of sizes, not at one: the
 * L3 ends where it is halfway from the first size's to the last's
 * (memory's), interpolated geometrically between the two sizes it lies
 * between.
 */
static size_t scan_l3(size_t l2, uint64_t *rng)
{
    double lat[16];
    size_t size[16], n = 0;
    for (size_t b = 2 * l2; b <= SCAN_MAX && n < 16; b *= 2) {
        size[n] = b;
        lat[n++] = latency(b, rng);
    }
    double mid = (lat[0] + lat[n - 1]) / 2;
    for (size_t i = 1; i < n; i++)
        if (lat[i] >= mid && lat[i] > lat[i - 1])
            return (size_t)((double)size[i - 1] *
                            exp2((mid - lat[i - 1]) / (lat[i] - lat[i - 1])));
    return 0;
}

/*
 * What a fault does beside three cycles: one in half of L1, one in a
 * quarter of L2, one twice L2.  Each round visits the three in turn (so
 * a slow spell of the machine weighs on all three alike) and, for each,
 * times a lap, a control lap, a page fault and a lap after it.  Per
 * cycle: the median of the laps after faults less the median of the
 * control laps (*lap_extra), and the median fault (*fault_ns); and the
 * median, round by round, of the fault beside the largest cycle less the
 * one beside the smallest (*fault_gap).
 */
enum { NEAR_L1, NEAR_L2, PAST_L2, CYCLES };

static void around_faults(const hk_dcache_config *c, uint64_t *rng,
                          double lap_extra[CYCLES], double fault_ns[CYCLES],
                          double *fault_gap)
{
    const size_t bytes[CYCLES] = {c->bytes[0] / 2, c->bytes[1] / 4,
                                  2 * c->bytes[1]};
    cycle cy[CYCLES];
    for (unsigned k = 0; k < CYCLES; k++)
        cycle_open(&cy[k], bytes[k], rng);
    /* A page per cycle per round, and one to warm the fault path. */
    size_t fresh_bytes = (size_t)FAULT_LAPS * (CYCLES + 1) * HK_OS_PAGE;
    char *fresh = calib_map_aligned(fresh_bytes, HK_OS_PAGE, MADV_NOHUGEPAGE);
    static double after[CYCLES][FAULT_LAPS], control[CYCLES][FAULT_LAPS],
        fault[CYCLES][FAULT_LAPS], gap[FAULT_LAPS];
    for (int i = 0; i < FAULT_LAPS; i++) {
        char *page = fresh + (size_t)i * (CYCLES + 1) * HK_OS_PAGE;
        for (unsigned k = 0; k < CYCLES; k++) {
            warm(&cy[k]);
            /* The cycle before was larger: its laps pushed the fault
             * path's lines out, which a fault beside the small cycle
             * must find in place. */
            if (k == NEAR_L1)
                *(volatile char *)(page + CYCLES * HK_OS_PAGE) = 1;
            uint64_t first = calib_chase(&cy[k].at, cy[k].lines);
            uint64_t second = calib_chase(&cy[k].at, cy[k].lines);
            uint64_t t0 = calib_now_ns();
            *(volatile char *)(page + k * HK_OS_PAGE) = 1;
            fault[k][i] = (double)(calib_now_ns() - t0);
            after[k][i] =
                (double)calib_chase(&cy[k].at, cy[k].lines) - (double)second;
            control[k][i] = (double)second - (double)first;
        }
        gap[i] = fault[PAST_L2][i] - fault[NEAR_L1][i];
    }
    for (unsigned k = 0; k < CYCLES; k++) {
        lap_extra[k] = hk_median(after[k], FAULT_LAPS) -
                       hk_median(control[k], FAULT_LAPS);
        fault_ns[k] = hk_median(fault[k], FAULT_LAPS);
        cycle_close(&cy[k]);
    }
    *fault_gap = hk_median(gap, FAULT_LAPS);
    munmap(fresh, fresh_bytes);
}

/* Lines of a level of `lines` lines that a fault displaces, from `lost`
 * of a cycle of `cycle_lines` lines. */
static uint32_t scaled(double lost, size_t cycle_lines, uint64_t lines)
{
    double v = lost / (double)cycle_lines * (double)lines;
    if (v < 0.5)
        return 0;
    return v >= 0.9 * (double)lines ? (uint32_t)lines : (uint32_t)(v + 0.5);
}

/* The median of L3_SCANS scans past an L2 of l2 bytes; the scans, in
 * order, in scans[]. */
static size_t scan_l3_median(size_t l2, uint64_t *rng,
                             size_t scans[L3_SCANS])
{
    for (int i = 0; i < L3_SCANS; i++)
        scans[i] = scan_l3(l2, rng);
    qsort(scans, L3_SCANS, sizeof scans[0], calib_by_size);
    return scans[L3_SCANS / 2];
}

size_t cache_l3_share(const hk_dcache_config *c)
{
    uint64_t rng = 0x2545f4914f6cdd1dull;
    return scan_l3(c->bytes[1], &rng);
}

void cache_geometry(calib *k, int faults)
{
    reported r;
    char from[128];
    uint64_t rng = 0x2545f4914f6cdd1dull;
    hk_dcache_config *c = &k->dcache;
    hk_dcache_config_default(c);
    cpuid_caches(&r, from, sizeof from);
    if (r.bytes[0] >= (16u << 10) && r.bytes[0] <= (256u << 10))
        hk_dcache_config_shape(c, 0, r.bytes[0], r.ways[0]);
    if (r.bytes[1] >= (128u << 10) && r.bytes[1] <= (8u << 20))
        hk_dcache_config_shape(c, 1, r.bytes[1], r.ways[1]);

    size_t scans[L3_SCANS];
    size_t fit = scan_l3_median(c->bytes[1], &rng, scans);
    char l3[160];
    if (r.bytes[2] && fit && r.bytes[2] <= 2 * fit && 2 * r.bytes[2] >= fit) {
        hk_dcache_config_shape(c, 2, r.bytes[2], r.ways[2]);
        snprintf(l3, sizeof l3, "L3 as reported (scans: %zu, %zu, %zu KiB)",
                 scans[0] >> 10, scans[1] >> 10, scans[2] >> 10);
    } else if (fit) {
        hk_dcache_config_shape(c, 2, fit, 16);
        snprintf(l3, sizeof l3,
                 "L3 %llu KiB measured (scans: %zu, %zu, %zu KiB; cpuid says "
                 "%llu KiB)", (unsigned long long)(c->bytes[2] >> 10),
                 scans[0] >> 10, scans[1] >> 10, scans[2] >> 10,
                 (unsigned long long)(r.bytes[2] >> 10));
    } else {
        snprintf(l3, sizeof l3, "L3 preset (the scan found none)");
    }

    char fault_text[192] = "faults not measured";
    if (faults) {
        double l1 = latency(c->bytes[0] / 2, &rng);
        double l2 = latency(c->bytes[1] / 2, &rng);
        double l3 = latency(2 * c->bytes[1] <= c->bytes[2] / 2
                                ? 2 * c->bytes[1] : c->bytes[2] / 2, &rng);
        double extra[CYCLES], fault[CYCLES], gap;
        around_faults(c, &rng, extra, fault, &gap);
        c->fault_lines[0] = scaled(extra[NEAR_L1] / (l2 - l1),
                                   c->bytes[0] / 2 / LINE, c->bytes[0] / LINE);
        c->fault_lines[1] = scaled(extra[NEAR_L2] / (l3 - l2),
                                   c->bytes[1] / 4 / LINE, c->bytes[1] / LINE);
        double path = gap / (l3 - l2);
        c->fault_path_lines =
            path < 0.5 ? 0
            : path > MAX_LINES_REPORTED ? MAX_LINES_REPORTED
                                        : (uint32_t)(path + 0.5);
        snprintf(fault_text, sizeof fault_text,
                 "a fault displaces %u of L1's lines, %u of L2's; its own "
                 "path %u lines (fault %.0f ns beside %zu KiB, %.0f ns "
                 "beside %zu KiB)", c->fault_lines[0], c->fault_lines[1],
                 c->fault_path_lines, fault[NEAR_L1], c->bytes[0] / 2 >> 10,
                 fault[PAST_L2], 2 * c->bytes[1] >> 10);
    }
    char why[160];
    if (hk_dcache_config_check(c, why, sizeof why) < 0) {
        hk_dcache_config_default(c);
        snprintf(k->dcache_source, sizeof k->dcache_source,
                 "preset (measured geometry unusable: %s)", why);
        return;
    }
    snprintf(k->dcache_source, sizeof k->dcache_source, "%s: L1 %llu KiB, "
             "L2 %llu KiB; %s; %s", from,
             (unsigned long long)(c->bytes[0] >> 10),
             (unsigned long long)(c->bytes[1] >> 10), l3, fault_text);
}

/* ---- the terms ---- */

/* The working sets of the terms: half of L1, half of L2, past L2 within
 * L3, and well past L3. */
static size_t working_set(const hk_dcache_config *c, unsigned i)
{
    size_t mid = 2 * c->bytes[1] <= c->bytes[2] / 2 ? 2 * c->bytes[1]
                                                    : c->bytes[2] / 2;
    size_t far = 4 * c->bytes[2] > FAR_MIN ? 4 * c->bytes[2] : FAR_MIN;
    return i == 0 ? c->bytes[0] / 2 : i == 1 ? c->bytes[1] / 2
         : i == 2 ? mid : far;
}

void measure_cache(calib *k)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    cycle cy[4];
    for (unsigned i = 0; i < 4; i++)
        cycle_open(&cy[i], working_set(&k->dcache, i), &rng);
    double step[3][CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        double lat[4];
        /* Each chase evicts the others: bring each back in first, but
         * the last, which no cache holds; a shorter chase of it is as
         * exact, each of its steps being slow. */
        for (unsigned i = 0; i < 4; i++) {
            size_t steps = i < 3 ? CHASE_STEPS : CHASE_STEPS / 4;
            if (i < 3)
                warm(&cy[i]);
            lat[i] = (double)calib_chase(&cy[i].at, steps) / (double)steps;
        }
        for (unsigned i = 0; i < 3; i++)
            step[i][r] = lat[i + 1] - lat[i];
    }
    for (unsigned i = 0; i < 4; i++)
        cycle_close(&cy[i]);
    calib_settle(k, HK_COST_CACHE_L2, step[0]);
    calib_settle(k, HK_COST_CACHE_L3, step[1]);
    calib_settle(k, HK_COST_CACHE_MEM, step[2]);
}
