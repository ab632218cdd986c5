/*
 * measure_tlb.c - the TLB: the machine's data TLB geometry, and what a
 * second-level hit and a page walk cost.
 *
 * Both come from pointer chases: a random cycle through one cache line in
 * each of N 4 KiB pages, against a baseline chasing as many lines packed
 * into huge pages, which miss no TLB.  The spread chase's extra time per
 * step is about 0 while N pages fit the first-level dTLB, a second-level
 * hit's cost once they do not, and a page walk's once they overflow the
 * second level too.
 *
 * Geometry.  CPUID says what the TLBs are (Intel leaf 0x18; AMD leaves
 * 0x80000005 and 0x80000006; AMD's 0x8000001A holds no TLB data, and its
 * 1 GiB arrays, leaf 0x80000019, are not modelled), but a virtual machine
 * may report made-up values.  So a scan of N, geometric from 16 to 16384
 * pages plus each level's reported size E and 1.5 E, finds where each
 * level's misses begin; a level whose misses begin within (0.75 E, 1.5 E]
 * is confirmed and taken as reported; otherwise its size is what the
 * scan found (the largest N that fit), the STLB's ways what a chase of
 * pages 2 MiB apart finds (conflict_ways), and the number of sets the
 * power of two that comes nearest.  Without CPUID data the
 * preset stays (sim/tlb.h); the source says which.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "experiments/calibrate/calib.h"
#include "experiments/common/stats.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define LINE 64
#define LINES_PER_PAGE (HK_OS_PAGE / LINE)
#define CHASE_STEPS 1024 /* links followed by each timed chase */
#define WARM_LAPS_MIN 48 /* laps of fresh memory before it is timed */
#define WARM_LAPS_MAX 256
#define WARM_LAPS_AGAIN 4 /* laps of memory timed in an earlier pass */
#define SCAN_MIN 16
#define SCAN_MAX 16384
#define SCAN_LIMIT 32768 /* pages, with the CPUID sizes added */
#define SCAN_REPS 9
#define SCAN_LAPS 6
#define REFINE_STEPS 4
#define L1_MISS_NS 0.5   /* extra per step: the first level misses */
#define L2_MISS_NS 15.0  /* and so does the second */

/*
 * The i-th line of a chase: spread, one line in each 4 KiB page, its
 * offset cycling through the page so the lines fill every cache set; or
 * packed, one line of each 128-byte pair (so an adjacent-line prefetch
 * helps the packed lines no more than the spread ones, which never share
 * a pair), 32 to a 4 KiB chunk, the pair half alternating so the lines
 * again fill every set of the first and second level caches.
 */
static char *line_at(char *base, size_t i, int packed)
{
    if (!packed)
        return base + i * HK_OS_PAGE + (i % LINES_PER_PAGE) * LINE;
    size_t per_chunk = LINES_PER_PAGE / 2, chunk = i / per_chunk;
    size_t half = (chunk ^ (chunk >> 4)) & 1;
    return base + chunk * HK_OS_PAGE + (2 * (i % per_chunk) + half) * LINE;
}

/* A chase's layout, for calib_chase_link. */
typedef struct layout {
    char *base;
    int packed;
} layout;

static char *layout_line(const void *ctx, size_t i)
{
    const layout *l = ctx;
    return line_at(l->base, i, l->packed);
}

/* Whether the mapping holding p has at least `bytes` of huge pages
 * (from /proc/self/smaps). */
static int on_huge_pages(const void *p, size_t bytes)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    char line[256];
    int inside = 0;
    size_t kb = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            inside = lo <= (uintptr_t)p && (uintptr_t)p < hi;
        else if (inside && sscanf(line, "AnonHugePages: %zu kB", &kb) == 1)
            break;
    }
    fclose(f);
    return kb * 1024 >= bytes;
}

/* Room for chases of up to `pages` spread lines and their baseline. */
typedef struct chase_pair {
    char *spread, *packed;
    void *spread_at, *packed_at;
    size_t pages, lines, spread_bytes, packed_bytes;
} chase_pair;

static void chase_pair_open(calib *k, chase_pair *c, size_t pages,
                            const char *what)
{
    c->pages = pages;
    c->spread_bytes = pages * HK_OS_PAGE;
    c->packed_bytes = (pages * 2 * LINE + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    c->spread = calib_map_aligned(c->spread_bytes, HK_OS_PAGE,
                                  MADV_NOHUGEPAGE);
    c->packed = calib_map_aligned(c->packed_bytes, HUGE_PAGE, MADV_HUGEPAGE);
    memset(c->spread, 0, c->spread_bytes);
    memset(c->packed, 0, c->packed_bytes);
    /* The replays measure_engine.c forks would copy their page tables. */
    madvise(c->spread, c->spread_bytes, MADV_DONTFORK);
    madvise(c->packed, c->packed_bytes, MADV_DONTFORK);
    if (!on_huge_pages(c->packed, c->packed_bytes))
        calib_note(k, "%s: no huge pages for the baseline, whose own TLB "
                   "misses then make the TLB look cheaper", what);
}

/* Chain the first `lines` lines of both. */
static void chase_pair_link(chase_pair *c, size_t lines, uint64_t *rng)
{
    c->lines = lines;
    c->spread_at = calib_chase_link(lines, layout_line,
                                    &(layout){c->spread, 0}, rng);
    c->packed_at = calib_chase_link(lines, layout_line,
                                    &(layout){c->packed, 1}, rng);
}

/*
 * Chase laps of both sets in turn, `min` at least, then until three in a
 * row fail to beat the best by 2% (at most WARM_LAPS_MAX).  A fresh
 * working set takes a while to settle: in a virtual machine (KVM), the
 * first laps over new memory can be five times slower, for up to a few
 * dozen laps.  Both sets stay busy, so neither comes to the timing with
 * its lines and page tables evicted from a cache shared with other
 * machines.
 */
static void chase_pair_warm_up(chase_pair *c, int min)
{
    uint64_t best = UINT64_MAX;
    int calm = 0;
    for (int lap = 1; lap <= WARM_LAPS_MAX; lap++) {
        uint64_t t = calib_chase(&c->spread_at, c->lines) +
                     calib_chase(&c->packed_at, c->lines);
        calm = t < best - best / 50 ? 0 : calm + 1;
        if (t < best)
            best = t;
        if (lap >= min && calm >= 3)
            break;
    }
}

/* Per step, the spread chase's time over the packed one's, each going on
 * from where it stopped. */
static double chase_pair_extra(chase_pair *c, size_t steps)
{
    uint64_t spread = calib_chase(&c->spread_at, steps);
    uint64_t packed = calib_chase(&c->packed_at, steps);
    return ((double)spread - (double)packed) / (double)steps;
}

static void chase_pair_close(chase_pair *c)
{
    munmap(c->spread, c->spread_bytes);
    munmap(c->packed, c->packed_bytes);
}

/* The working sets of the TLB terms, kept from pass to pass; the far one
 * is the geometry scan's memory, where there was a scan. */
struct chase_sets {
    chase_pair near, far;
    int has_far, passes;
};

/* ---- the geometry ---- */

/* One level's 4 KiB array: CPUID's, and the scan's verdict. */
typedef struct level {
    unsigned entries, ways; /* from CPUID; 0: not reported */
    size_t fit, miss;       /* the scan: largest N that fit, smallest that
                               missed (0: none) */
} level;


/* The 4 KiB arrays of the data TLBs from CPUID, and the 2 MiB ones into
 * c; a word on where they came from into from.  0 if CPUID has none. */
static int cpuid_tlb(level *l1, level *l2, hk_tlb_config *c, char *from,
                     size_t len)
{
    unsigned a, b, cx, d;
    unsigned max;
    enum calib_vendor vendor = calib_cpu_vendor(&max);
    if (vendor == CALIB_INTEL && max >= 0x18) {
        unsigned subleaves;
        __cpuid_count(0x18, 0, subleaves, b, cx, d);
        for (unsigned i = 0; i <= subleaves && i < 64; i++) {
            __cpuid_count(0x18, i, a, b, cx, d);
            unsigned type = d & 0x1f, lvl = (d >> 5) & 7;
            unsigned ways = b >> 16, entries = ways * cx;
            if (!(type == 1 || type == 3 || type == 4) || !entries)
                continue;
            hk_tlb_level_config *big = lvl == 1 ? &c->l1_2m : &c->l2_2m;
            level *small = lvl == 1 ? l1 : l2;
            if (b & 1) {
                small->entries = entries;
                small->ways = ways;
            }
            if (b & 2)
                *big = (hk_tlb_level_config){entries, ways};
            if (lvl == 2 && (b & 1) && (b & 2))
                c->l2_shared = 1;
        }
        snprintf(from, len, "cpuid 0x18");
    } else if (vendor == CALIB_AMD) {
        __cpuid(0x80000000, max, b, cx, d);
        if (max < 0x80000006)
            return 0;
        __cpuid(0x80000005, a, b, cx, d);
        l1->entries = (b >> 16) & 0xff;
        l1->ways = (b >> 24) == 0xff ? l1->entries : b >> 24;
        c->l1_2m.entries = (a >> 16) & 0xff;
        c->l1_2m.ways = (a >> 24) == 0xff ? c->l1_2m.entries : a >> 24;
        __cpuid(0x80000006, a, b, cx, d);
        l2->entries = (b >> 16) & 0xfff;
        l2->ways = calib_amd_ways(b >> 28, l2->entries);
        c->l2_shared = 1; /* one L2 dTLB for all page sizes since Zen */
        snprintf(from, len, "cpuid 0x80000005/0x80000006");
    } else {
        return 0;
    }
    return l1->entries && l1->ways && l2->entries && l2->ways;
}

static int has_size(const size_t *v, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* The scan's sizes: geometric, and each CPUID size E with 0.75 E and
 * 1.5 E around it; sorted, at most SCAN_LIMIT. */
static size_t scan_sizes(const level *l1, const level *l2, size_t *out)
{
    size_t n = 0;
    for (size_t s = SCAN_MIN; s <= SCAN_MAX; s += s / 4)
        out[n++] = s;
    const level *lv[2] = {l1, l2};
    for (int i = 0; i < 2; i++) {
        size_t e = lv[i]->entries, near[3] = {e * 3 / 4, e, e * 3 / 2};
        for (int j = 0; j < 3; j++)
            if (near[j] >= 8 && near[j] <= SCAN_LIMIT &&
                !has_size(out, n, near[j]))
                out[n++] = near[j];
    }
    qsort(out, n, sizeof *out, calib_by_size);
    return n;
}

/* Where the misses of a level begin in the scan (extra[] over sizes[]):
 * the first size at or above `ns` with the next one too (a lone spike is
 * noise), and the size before it. */
static void find_edge(const size_t *sizes, const double *extra, size_t n,
                      double ns, level *l)
{
    l->fit = l->miss = 0;
    for (size_t i = 0; i < n; i++) {
        if (extra[i] >= ns && (i + 1 == n || extra[i + 1] >= ns)) {
            l->miss = sizes[i];
            return;
        }
        l->fit = sizes[i];
    }
}

/* Per step, the median extra of chasing n spread lines of p. */
static double extra_at(chase_pair *p, size_t n, uint64_t *rng)
{
    double v[SCAN_REPS];
    chase_pair_link(p, n, rng);
    for (int lap = 0; lap < SCAN_LAPS; lap++) {
        calib_chase(&p->spread_at, n);
        calib_chase(&p->packed_at, n);
    }
    for (int r = 0; r < SCAN_REPS; r++)
        v[r] = chase_pair_extra(p, CHASE_STEPS);
    return hk_median(v, SCAN_REPS);
}

/* Narrow a level's edge (fit, miss) down to a few percent. */
static void refine_edge(chase_pair *p, double ns, level *l, uint64_t *rng)
{
    for (int i = 0; i < REFINE_STEPS && l->fit && l->miss > l->fit + 1; i++) {
        size_t mid = (l->fit + l->miss) / 2;
        if (extra_at(p, mid, rng) >= ns)
            l->miss = mid;
        else
            l->fit = mid;
    }
}

/*
 * The STLB's ways, where the scan overruled CPUID's size (CPUID's ways
 * then come from the same made-up leaf), as pages 2 MiB apart see them:
 * the headers of an allocator's aligned regions are such pages.  The
 * chase runs through FILL pages in a row, which keep every step missing
 * the L1 dTLB and take one set each, and `apart` pages 2 MiB apart, which
 * a TLB indexed by the low bits of the page number puts in one set.  The
 * ways are the most such pages, a power of two, whose steps cost less
 * than half a page walk (L2_MISS_NS / 2) more than the fill's own.  On
 * a VM of AMD family 1Ah (4,096 entries): 16 pages cost 3 ns more, 32
 * pages 13 ns; pages 16 MiB apart conflict sooner, so the array
 * is not indexed by the low bits alone, and 2 MiB is the spacing that
 * matters here.
 */
#define CONFLICT_STRIDE ((size_t)2 << 20)
#define CONFLICT_MAX 64

typedef struct conflict {
    char *fill, *apart;
    size_t fill_pages;
} conflict;

static char *conflict_line(const void *ctx, size_t i)
{
    const conflict *c = ctx;
    char *page = i < c->fill_pages
                     ? c->fill + i * HK_OS_PAGE
                     : c->apart + (i - c->fill_pages) * CONFLICT_STRIDE;
    return page + (i % LINES_PER_PAGE) * LINE;
}

/* Per step, the median time of chasing the fill and `apart` pages. */
static double conflict_step_ns(conflict *c, size_t apart, uint64_t *rng)
{
    size_t n = c->fill_pages + apart;
    void *at = calib_chase_link(n, conflict_line, c, rng);
    double v[SCAN_REPS];
    for (int lap = 0; lap < SCAN_LAPS; lap++)
        calib_chase(&at, n);
    for (int r = 0; r < SCAN_REPS; r++)
        v[r] = (double)calib_chase(&at, CHASE_STEPS) / CHASE_STEPS;
    return hk_median(v, SCAN_REPS);
}

/* 0 if even two pages 2 MiB apart do not fit. */
static unsigned conflict_ways(const level *l1, uint64_t *rng)
{
    size_t l1_pages = l1->fit > l1->entries ? l1->fit : l1->entries;
    conflict c = {.fill_pages = 2 * (l1_pages ? l1_pages : SCAN_MIN)};
    size_t fill_bytes = (c.fill_pages + 1) * HK_OS_PAGE;
    char *fill = calib_map_aligned(fill_bytes, HUGE_PAGE, MADV_NOHUGEPAGE);
    char *apart = calib_map_aligned(CONFLICT_MAX * CONFLICT_STRIDE,
                                    CONFLICT_STRIDE, MADV_NOHUGEPAGE);
    c.fill = fill + HK_OS_PAGE; /* off the apart pages' set, if by low bits */
    c.apart = apart;
    double alone = conflict_step_ns(&c, 0, rng);
    unsigned ways = 0;
    for (size_t k = 2; k <= CONFLICT_MAX; k *= 2) {
        double step = conflict_step_ns(&c, k, rng);
        double extra = (step * (double)(c.fill_pages + k) -
                        alone * (double)c.fill_pages) / (double)k - alone;
        if (extra >= L2_MISS_NS / 2)
            break;
        ways = (unsigned)k;
    }
    munmap(fill, fill_bytes);
    munmap(apart, CONFLICT_MAX * CONFLICT_STRIDE);
    return ways;
}

static int confirmed(const level *l)
{
    return l->entries && l->miss > l->entries * 3 / 4 &&
           l->miss <= l->entries * 3 / 2;
}

/* The level as the model takes it: CPUID's if the scan confirms it, else
 * `ways` (CPUID's, or max_ways) times the power of two of sets that
 * comes nearest the size the scan found.  Says which into what. */
static hk_tlb_level_config settle_level(const level *l, const char *name,
                                        unsigned max_ways, char *what,
                                        size_t len)
{
    if (confirmed(l)) {
        snprintf(what, len, "%s %u entries %u-way (confirmed: misses from "
                 "%zu pages)", name, l->entries, l->ways, l->miss);
        return (hk_tlb_level_config){l->entries, l->ways};
    }
    size_t fit = l->fit ? l->fit : SCAN_MIN;
    unsigned ways = l->ways && l->ways <= max_ways ? l->ways : max_ways;
    if (ways > fit)
        ways = (unsigned)fit;
    unsigned sets = 1;
    while ((size_t)ways * sets * 3 <= fit * 2) /* nearest: sets*1.5 <= */
        sets *= 2;
    unsigned entries = ways * sets;
    if (l->entries)
        snprintf(what, len, "%s %u entries %u-way (measured: cpuid says %u "
                 "entries, %zu pages fit, %zu missed)", name, entries, ways,
                 l->entries, l->fit, l->miss);
    else
        snprintf(what, len, "%s %u entries %u-way (measured: %zu pages "
                 "fit, %zu missed)", name, entries, ways, l->fit, l->miss);
    return (hk_tlb_level_config){entries, ways};
}

/*
 * k->tlb and k->tlb_source: the preset where CPUID says nothing of the
 * data TLBs, else CPUID's geometry, checked by the scan if `scan`.
 */
void tlb_geometry(calib *k, int scan)
{
    level l1 = {0}, l2 = {0};
    char from[64], w1[200], w2[200];
    hk_tlb_config c;
    hk_tlb_config_default(&c);
    hk_tlb_config preset = c;
    if (!cpuid_tlb(&l1, &l2, &c, from, sizeof from)) {
        k->tlb = preset;
        snprintf(k->tlb_source, sizeof k->tlb_source,
                 "preset: Intel Golden Cove (sim/tlb.h); CPUID names no "
                 "data TLB");
        return;
    }
    if (!scan) {
        c.l1_4k = (hk_tlb_level_config){l1.entries, l1.ways};
        c.l2_4k = (hk_tlb_level_config){l2.entries, l2.ways};
        char err[160];
        if (hk_tlb_config_check(&c, err, sizeof err) < 0)
            c = preset;
        k->tlb = c;
        snprintf(k->tlb_source, sizeof k->tlb_source, "%s, not checked%s",
                 from, c.l1_4k.entries == preset.l1_4k.entries &&
                               c.l2_4k.entries == preset.l2_4k.entries
                           ? " (preset: Intel Golden Cove)"
                           : "");
        return;
    }
    size_t sizes[128], n = scan_sizes(&l1, &l2, sizes);
    chase_pair p;
    chase_pair_open(k, &p, sizes[n - 1], "the TLB scan");
    uint64_t rng = 7;
    chase_pair_link(&p, sizes[n - 1], &rng);
    chase_pair_warm_up(&p, WARM_LAPS_MIN);
    double extra[128];
    for (size_t i = 0; i < n; i++)
        extra[i] = extra_at(&p, sizes[i], &rng);
    find_edge(sizes, extra, n, L1_MISS_NS, &l1);
    find_edge(sizes, extra, n, L2_MISS_NS, &l2);
    if (!confirmed(&l1))
        refine_edge(&p, L1_MISS_NS, &l1, &rng);
    if (!confirmed(&l2))
        refine_edge(&p, L2_MISS_NS, &l2, &rng);
    k->chase = calib_xcalloc(1, sizeof *k->chase);
    k->chase->far = p;
    k->chase->has_far = 1;
    c.l1_4k = settle_level(&l1, "L1 dTLB", 128, w1, sizeof w1);
    unsigned ways = confirmed(&l2) ? 0 : conflict_ways(&l1, &rng);
    if (ways)
        l2.ways = ways;
    c.l2_4k = settle_level(&l2, "STLB", ways ? CONFLICT_MAX : 16, w2,
                           sizeof w2);
    if (ways)
        snprintf(w2 + strlen(w2), sizeof w2 - strlen(w2),
                 ", its ways from pages 2 MiB apart");
    char err[160];
    if (c.l1_2m.entries == 0 || hk_tlb_config_check(&c, err, sizeof err) < 0)
        c.l1_2m = preset.l1_2m;
    if (!c.l2_shared && (c.l2_2m.entries == 0 ||
                         hk_tlb_config_check(&c, err, sizeof err) < 0))
        c.l2_shared = 1;
    if (hk_tlb_config_check(&c, err, sizeof err) < 0) {
        k->tlb = preset;
        snprintf(k->tlb_source, sizeof k->tlb_source,
                 "preset: Intel Golden Cove (sim/tlb.h); %s and the scan "
                 "make no valid geometry (%s)", from, err);
        return;
    }
    k->tlb = c;
    snprintf(k->tlb_source, sizeof k->tlb_source, "%s, pointer chase: %s; %s",
             from, w1, w2);
}

/* ---- the costs ---- */

/* Term t: per step, the extra time of chasing c's spread lines over its
 * packed ones. */
static void measure_chase(calib *k, enum hk_cost_term t, chase_pair *c,
                          int warm_laps)
{
    chase_pair_warm_up(c, warm_laps);
    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++)
        v[r] = chase_pair_extra(c, CHASE_STEPS);
    calib_settle(k, t, v);
}

/*
 * tlb_l2_hit and tlb_walk: each step of a chase over lines spread one to
 * a 4 KiB page, in a random cycle, misses the L1 dTLB once the pages
 * outnumber its entries, and the second level too once they outnumber
 * that; the baseline chases as many lines packed into huge pages, which
 * miss neither.  The near set is a quarter of the STLB (at least twice
 * the L1 dTLB), the far one four times it.
 */
void measure_tlb(calib *k)
{
    if (!k->chase)
        k->chase = calib_xcalloc(1, sizeof *k->chase);
    struct chase_sets *s = k->chase;
    if (!s->passes) {
        k->tlb_near = k->tlb.l2_4k.entries / 4;
        if (k->tlb_near < 2 * (size_t)k->tlb.l1_4k.entries)
            k->tlb_near = 2 * (size_t)k->tlb.l1_4k.entries;
        k->tlb_far = (size_t)k->tlb.l2_4k.entries * 4;
        if (s->has_far && s->far.pages < k->tlb_far) {
            chase_pair_close(&s->far);
            s->has_far = 0;
        }
        if (!s->has_far)
            chase_pair_open(k, &s->far, k->tlb_far, "tlb_walk");
        s->has_far = 1;
        chase_pair_open(k, &s->near, k->tlb_near, "tlb_l2_hit");
        uint64_t rng = 1;
        chase_pair_link(&s->near, k->tlb_near, &rng);
        chase_pair_link(&s->far, k->tlb_far, &rng);
    }
    int laps = s->passes++ ? WARM_LAPS_AGAIN : WARM_LAPS_MIN;
    measure_chase(k, HK_COST_TLB_L2_HIT, &s->near, laps);
    measure_chase(k, HK_COST_TLB_WALK, &s->far, laps);
}

void chase_sets_close(calib *k)
{
    if (!k->chase)
        return;
    if (k->chase->passes)
        chase_pair_close(&k->chase->near);
    if (k->chase->has_far)
        chase_pair_close(&k->chase->far);
    free(k->chase);
    k->chase = NULL;
}
