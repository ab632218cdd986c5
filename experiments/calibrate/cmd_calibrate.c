/*
 * calibrate.c - `hakmem calibrate`: measure what each event of the cost
 * model (sim/cost.h) costs on this machine and write the calibration file
 * that `hakmem sim --calibration` reads.
 *
 * A small, shared machine is noisy: a context switch spoils a repetition
 * now and then, and for a second at a time everything may run half as
 * fast (a virtual CPU sharing its core).  So a full run makes several
 * passes over all terms, spread over a few seconds, each pass taking the
 * median of many short repetitions, and writes the median of the passes.
 *
 * Allocator terms run the core itself on the real backend (purges off,
 * so no madvise lands in a timed loop); where a loop also does events
 * already measured, their cost is taken off, so that the model's weighted
 * sum of the loop's counted events reproduces its time.  Kernel terms
 * time raw system calls on 2 MiB anonymous regions; TLB terms time a
 * random pointer chase against a baseline that touches as many cache
 * lines on huge pages.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "experiments/common/stats.h"
#include "sim/cost.h"
#include "sim/tlb.h"

/* A quick run makes one pass, a full run several; either way each
 * repetition is short (tens of microseconds to about a millisecond), so
 * that few of them are cut by a context switch. */
#define QUICK_PASSES 1
#define QUICK_REPS 7
#define FULL_PASSES 9
#define FULL_REPS 51

/* What one repetition does. */
#define FAST_CLASSES 8 /* malloc, free: sizes 16, 32, ..., 128 */
#define FAST_ROUNDS 32
#define REALLOC_CYCLES 1000
#define CHURN_SIZE 16     /* refill, flush, remote_free */
#define CHURN_BLOCKS 2048 /* half a 64 KiB slab of 16-byte blocks */
#define CHURN_ROUNDS 4
#define SLAB_BATCH 16 /* slabs taken, then given back, per round */
#define SLAB_ROUNDS 32
#define CALLS 32         /* system calls of each kind */
#define CHASE_STEPS 2048 /* links followed by each chase */
#define WARM_LAPS_MIN 48 /* laps of a chase before it is timed */
#define WARM_LAPS_MAX 256

#define PURGE_OFF_MS 3600000 /* purge_delay's maximum: no purge in a loop */
#define REGION ((size_t)2 << 20)
#define REGION_PAGES (REGION / HK_OS_PAGE)
#define HUGE_PAGE ((size_t)2 << 20)
#define LINE 64
#define LINES_PER_PAGE (HK_OS_PAGE / LINE)

static const char usage[] =
    "usage: hakmem calibrate [-o FILE] [--quick]\n"
    "\n"
    "Measures what each event of the simulator's cost model costs on this\n"
    "machine (ns per malloc, refill, slab, system call, page fault, TLB\n"
    "miss, ...) and writes them as JSON, the calibration file that\n"
    "`hakmem sim --calibration FILE` reads: to FILE, or to standard\n"
    "output; progress goes to standard error.\n"
    "\n"
    "A full run takes a few seconds: it makes several passes over all the\n"
    "terms, each pass taking the median of many short repetitions, and\n"
    "writes the median of the passes.  --quick makes one short pass and is\n"
    "rougher.\n";

typedef struct calib {
    int reps;                 /* repetitions per term in a pass */
    double timer_ns;          /* a clock read, taken off each interval */
    size_t tlb_near, tlb_far; /* pages in the TLB working sets */
    double ns[HK_COST_TERMS]; /* this pass's, then the final, costs */
    char notes[1024];
} calib;

static __attribute__((noreturn, format(printf, 1, 2))) void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hakmem calibrate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Add a sentence, once, to the "_notes" of the calibration file. */
static __attribute__((format(printf, 2, 3))) void
note(calib *k, const char *fmt, ...)
{
    char sentence[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sentence, sizeof sentence, fmt, ap);
    va_end(ap);
    if (strstr(k->notes, sentence))
        return;
    size_t len = strlen(k->notes);
    snprintf(k->notes + len, sizeof k->notes - len, "%s%s",
             len ? "; " : "", sentence);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        die("out of memory");
    return p;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keep the compiler from dropping the work that produced p. */
static inline void use(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* This pass's cost of term t: the median of the repetitions v[]. */
static void settle(calib *k, enum hk_cost_term t, double *v)
{
    k->ns[t] = hk_median(v, (size_t)k->reps);
}

/* What reading the clock costs, to take off each timed interval. */
static void measure_timer(calib *k)
{
    enum { READS = 1000 };
    double v[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < READS; i++)
            now_ns();
        v[r] = (double)(now_ns() - t0) / READS;
    }
    k->timer_ns = hk_median(v, (size_t)k->reps);
}

/* ---- the allocator ---- */

typedef struct bench {
    hk_allocator *a;
    hk_heap *heap[2];
    int heaps;
    hk_os_counts warm; /* the backend's counts when the timing began */
} bench;

static void bench_open(bench *b, int heaps)
{
    hk_params p;
    hk_params_default(&p);
    p.purge_delay = PURGE_OFF_MS;
    b->a = xcalloc(1, sizeof *b->a);
    if (hk_alloc_init(b->a, &p) < 0)
        die("cannot set up an allocator");
    b->heaps = heaps;
    for (int i = 0; i < heaps; i++)
        if (!(b->heap[i] = hk_heap_create(b->a)))
            die("cannot create a heap");
}

/* The allocator is warm: from here on its loops are timed, and they must
 * not call the kernel. */
static void bench_start(bench *b)
{
    hk_os_counts_get(&b->warm);
}

/* t names the term measured, in a note if the loops made system calls. */
static void bench_close(calib *k, bench *b, enum hk_cost_term t)
{
    hk_os_counts now;
    hk_os_counts_get(&now);
    uint64_t calls = 0;
    for (int i = 0; i < HK_OS_CALLS; i++)
        calls += now.calls[i] - b->warm.calls[i];
    if (calls)
        note(k, "%s: the allocator made %llu system calls while timed",
             hk_cost_names[t], (unsigned long long)calls);
    for (int i = 0; i < b->heaps; i++)
        hk_heap_destroy(b->heap[i]);
    hk_alloc_destroy(b->a);
    free(b->a);
}

static hk_class_stats class_totals(hk_allocator *a)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    return s.total;
}

/* A loop meant to avoid some kind of event (t's loop) had n of them. */
static void expect_none(calib *k, enum hk_cost_term t, const char *events,
                        uint64_t n)
{
    if (n)
        note(k, "%s: its loop had %llu %s", hk_cost_names[t],
             (unsigned long long)n, events);
}

/* Half a front's worth of blocks of each fast class, then free them in
 * reverse, which leaves every front as it was. */
static void fast_round(hk_allocator *a, hk_heap *h, void **blocks,
                       uint32_t batch, uint64_t *t_malloc, uint64_t *t_free)
{
    size_t n = 0;
    uint64_t t0 = now_ns();
    for (unsigned c = 0; c < FAST_CLASSES; c++)
        for (uint32_t i = 0; i < batch; i++)
            blocks[n++] = hk_malloc_fast(a, h, 16 * (c + 1));
    uint64_t t1 = now_ns();
    while (n)
        hk_free_fast(a, h, blocks[--n]);
    uint64_t t2 = now_ns();
    *t_malloc += t1 - t0;
    *t_free += t2 - t1;
}

/* malloc and free: the front-cache hit path on a warm heap. */
static void measure_fast_path(calib *k)
{
    bench b;
    bench_open(&b, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    uint32_t batch = a->cls[FAST_CLASSES - 1].front_cap / 2;
    size_t n = (size_t)FAST_CLASSES * batch;
    void **blocks = xcalloc(n, sizeof *blocks);
    uint64_t t_malloc = 0, t_free = 0;
    fast_round(a, h, blocks, batch, &t_malloc, &t_free);
    bench_start(&b);

    hk_class_stats before = class_totals(a);
    double vm[FULL_REPS], vf[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        t_malloc = t_free = 0;
        for (int i = 0; i < FAST_ROUNDS; i++)
            fast_round(a, h, blocks, batch, &t_malloc, &t_free);
        vm[r] = ((double)t_malloc / FAST_ROUNDS - k->timer_ns) / (double)n;
        vf[r] = ((double)t_free / FAST_ROUNDS - k->timer_ns) / (double)n;
    }
    hk_class_stats after = class_totals(a);
    expect_none(k, HK_COST_MALLOC, "refills",
                after.front_misses - before.front_misses);
    expect_none(k, HK_COST_FREE, "flushes", after.flushes - before.flushes);
    settle(k, HK_COST_MALLOC, vm);
    settle(k, HK_COST_FREE, vf);
    free(blocks);
    bench_close(k, &b, HK_COST_MALLOC);
}

/* From a 20-byte block: grow within its class, grow into another class,
 * shrink within that one, shrink back.  Two in place, two that move. */
static const size_t realloc_cycle[] = {32, 100, 60, 20};
#define REALLOC_STEPS (sizeof realloc_cycle / sizeof realloc_cycle[0])

static void measure_realloc(calib *k)
{
    bench b;
    bench_open(&b, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    void *p = hk_malloc_fast(a, h, 20);
    for (size_t j = 0; j < REALLOC_STEPS; j++)
        p = hk_alloc_realloc(a, h, p, realloc_cycle[j]);
    bench_start(&b);

    hk_class_stats before = class_totals(a);
    double v[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < REALLOC_CYCLES; i++)
            for (size_t j = 0; j < REALLOC_STEPS; j++)
                p = hk_alloc_realloc(a, h, p, realloc_cycle[j]);
        use(p);
        v[r] = ((double)(now_ns() - t0) - k->timer_ns) /
               ((double)REALLOC_CYCLES * REALLOC_STEPS);
    }
    hk_class_stats after = class_totals(a);
    expect_none(k, HK_COST_REALLOC, "refills or flushes",
                after.front_misses - before.front_misses + after.flushes -
                    before.flushes);
    settle(k, HK_COST_REALLOC, v);
    hk_free_fast(a, h, p);
    bench_close(k, &b, HK_COST_REALLOC);
}

/* CHURN_BLOCKS mallocs, then as many frees: the mallocs refill the front
 * over and over and the frees flush it, all within one slab. */
static void churn_round(hk_allocator *a, hk_heap *h, void **blocks,
                        uint64_t *t_malloc, uint64_t *t_free)
{
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        blocks[i] = hk_malloc_fast(a, h, CHURN_SIZE);
    uint64_t t1 = now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        hk_free_fast(a, h, blocks[i]);
    uint64_t t2 = now_ns();
    *t_malloc += t1 - t0;
    *t_free += t2 - t1;
}

/* refill and flush: a churn round's time less its fast-path operations,
 * per block refilled and per block flushed, counted. */
static void measure_refill_flush(calib *k)
{
    bench b;
    bench_open(&b, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    void **blocks = xcalloc(CHURN_BLOCKS, sizeof *blocks);
    uint64_t t_malloc = 0, t_free = 0;
    churn_round(a, h, blocks, &t_malloc, &t_free);
    bench_start(&b);

    double fast_malloc = CHURN_BLOCKS * k->ns[HK_COST_MALLOC] + k->timer_ns;
    double fast_free = CHURN_BLOCKS * k->ns[HK_COST_FREE] + k->timer_ns;
    double vr[FULL_REPS], vf[FULL_REPS];
    uint64_t slabs = 0;
    for (int r = 0; r < k->reps; r++) {
        hk_class_stats before = class_totals(a);
        t_malloc = t_free = 0;
        for (int i = 0; i < CHURN_ROUNDS; i++)
            churn_round(a, h, blocks, &t_malloc, &t_free);
        hk_class_stats after = class_totals(a);
        uint64_t refilled = after.refilled - before.refilled;
        uint64_t flushed = after.flushed - before.flushed;
        if (!refilled || !flushed)
            die("the churn loop did not both refill and flush");
        slabs += after.slabs_acquired - before.slabs_acquired;
        vr[r] = ((double)t_malloc - CHURN_ROUNDS * fast_malloc) /
                (double)refilled;
        vf[r] = ((double)t_free - CHURN_ROUNDS * fast_free) /
                (double)flushed;
    }
    expect_none(k, HK_COST_REFILL, "slabs acquired", slabs);
    settle(k, HK_COST_REFILL, vr);
    settle(k, HK_COST_FLUSH, vf);
    free(blocks);
    bench_close(k, &b, HK_COST_REFILL);
}

/* slab: slabs taken from the pool and given straight back, per take or
 * give.  One slab stays taken throughout, so its SuperSlab never empties
 * into the LRU, as in a program that holds memory. */
static void measure_slab(calib *k)
{
    bench b;
    bench_open(&b, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    hk_slab *pinned = hk_pool_acquire_slab(a, h, 0), *s[SLAB_BATCH];
    if (!pinned)
        die("cannot take a slab");
    bench_start(&b);

    double v[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < SLAB_ROUNDS; i++) {
            for (int j = 0; j < SLAB_BATCH; j++)
                s[j] = hk_pool_acquire_slab(a, h, 0);
            for (int j = 0; j < SLAB_BATCH; j++)
                hk_pool_release_slab(a, s[j]);
        }
        v[r] = ((double)(now_ns() - t0) - k->timer_ns) /
               (2.0 * SLAB_ROUNDS * SLAB_BATCH);
    }
    settle(k, HK_COST_SLAB, v);
    hk_pool_release_slab(a, pinned);
    bench_close(k, &b, HK_COST_SLAB);
}

/* Heap `owner` mallocs CHURN_BLOCKS, heap `other` frees them: other's
 * flushes send every block home through the remote path.  Adds the time
 * of the frees, the blocks they flushed and the remote frees they made. */
static void remote_round(hk_allocator *a, hk_heap *owner, hk_heap *other,
                         void **blocks, uint64_t *t_free, uint64_t *flushed,
                         uint64_t *remote)
{
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        blocks[i] = hk_malloc_fast(a, owner, CHURN_SIZE);
    hk_class_stats before = class_totals(a);
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        hk_free_fast(a, other, blocks[i]);
    *t_free += now_ns() - t0;
    hk_class_stats after = class_totals(a);
    *flushed += after.flushed - before.flushed;
    *remote += after.remote_frees - before.remote_frees;
    hk_alloc_trim(a, other);
}

/* remote_free: the other heap's time less its frees and the blocks it
 * flushed, per remote free counted. */
static void measure_remote_free(calib *k)
{
    bench b;
    bench_open(&b, 2);
    hk_allocator *a = b.a;
    hk_heap *owner = b.heap[0], *other = b.heap[1];
    void **blocks = xcalloc(CHURN_BLOCKS, sizeof *blocks);
    uint64_t t_free = 0, flushed = 0, remote = 0;
    remote_round(a, owner, other, blocks, &t_free, &flushed, &remote);
    bench_start(&b);

    double fast = CHURN_BLOCKS * k->ns[HK_COST_FREE] + k->timer_ns;
    double v[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        t_free = flushed = remote = 0;
        for (int i = 0; i < CHURN_ROUNDS; i++)
            remote_round(a, owner, other, blocks, &t_free, &flushed,
                         &remote);
        if (!remote)
            die("no free took the remote path");
        v[r] = ((double)t_free - CHURN_ROUNDS * fast -
                (double)flushed * k->ns[HK_COST_FLUSH]) /
               (double)remote;
    }
    settle(k, HK_COST_REMOTE_FREE, v);
    free(blocks);
    bench_close(k, &b, HK_COST_REMOTE_FREE);
}

/* ---- the kernel ---- */

/* bytes of private anonymous memory aligned to align (a power of two),
 * with madvise advice (MADV_HUGEPAGE or MADV_NOHUGEPAGE) taken. */
static char *map_aligned(size_t bytes, size_t align, int advice)
{
    size_t len = bytes + align - HK_OS_PAGE;
    char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        die("cannot map %zu bytes", len);
    char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (raw + len > p + bytes)
        munmap(p + bytes, (size_t)(raw + len - (p + bytes)));
    madvise(p, bytes, advice);
    return p;
}

static char *map_region(void)
{
    char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("cannot map a region");
    return p;
}

static void touch_pages(char *p, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += HK_OS_PAGE)
        p[off] = 1;
}

/* mmap, munmap, madvise, mprotect on untouched 2 MiB regions, and mincore
 * on one page, as the allocator's pointer check calls it; per call.  The
 * region that stays (its advice makes it a mapping of its own kind) never
 * merges with those mapped and unmapped next to it. */
static void measure_syscalls(calib *k)
{
    char *one = map_aligned(REGION, HK_OS_PAGE, MADV_NOHUGEPAGE);
    char *region[CALLS];
    unsigned char vec;
    double vmap[FULL_REPS], vunmap[FULL_REPS], vadvise[FULL_REPS],
        vcore[FULL_REPS], vprot[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = now_ns();
        for (int j = 0; j < CALLS; j++)
            region[j] = map_region();
        uint64_t t1 = now_ns();
        for (int j = 0; j < CALLS; j++)
            munmap(region[j], REGION);
        uint64_t t2 = now_ns();
        for (int j = 0; j < CALLS; j++)
            madvise(one, REGION, MADV_DONTNEED);
        uint64_t t3 = now_ns();
        for (int j = 0; j < CALLS; j++)
            mincore(one, HK_OS_PAGE, &vec);
        uint64_t t4 = now_ns();
        for (int j = 0; j < CALLS; j++)
            mprotect(one, REGION, j & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
        uint64_t t5 = now_ns();
        vmap[r] = ((double)(t1 - t0) - k->timer_ns) / CALLS;
        vunmap[r] = ((double)(t2 - t1) - k->timer_ns) / CALLS;
        vadvise[r] = ((double)(t3 - t2) - k->timer_ns) / CALLS;
        vcore[r] = ((double)(t4 - t3) - k->timer_ns) / CALLS;
        vprot[r] = ((double)(t5 - t4) - k->timer_ns) / CALLS;
    }
    munmap(one, REGION);
    settle(k, HK_COST_MMAP, vmap);
    settle(k, HK_COST_MUNMAP, vunmap);
    settle(k, HK_COST_MADVISE, vadvise);
    settle(k, HK_COST_MINCORE, vcore);
    settle(k, HK_COST_MPROTECT, vprot);
}

/* page_fault: first writes to a fresh region's 4 KiB pages, and again
 * after madvise(MADV_DONTNEED) emptied them; munmap_page and madvise_page:
 * the time those calls take on the region of resident pages over an
 * untouched one's, per page. */
static void measure_pages(calib *k)
{
    double vfault[FULL_REPS], vunmap[FULL_REPS], vadvise[FULL_REPS];
    for (int r = 0; r < k->reps; r++) {
        char *p = map_aligned(REGION, HK_OS_PAGE, MADV_NOHUGEPAGE);
        uint64_t t0 = now_ns();
        touch_pages(p, REGION);
        uint64_t t1 = now_ns();
        madvise(p, REGION, MADV_DONTNEED);
        uint64_t t2 = now_ns();
        touch_pages(p, REGION);
        uint64_t t3 = now_ns();
        munmap(p, REGION);
        uint64_t t4 = now_ns();
        vfault[r] = ((double)(t1 - t0 + t3 - t2) - 2 * k->timer_ns) /
                    (2.0 * REGION_PAGES);
        vadvise[r] = ((double)(t2 - t1) - k->timer_ns -
                      k->ns[HK_COST_MADVISE]) / REGION_PAGES;
        vunmap[r] = ((double)(t4 - t3) - k->timer_ns -
                     k->ns[HK_COST_MUNMAP]) / REGION_PAGES;
    }
    settle(k, HK_COST_PAGE_FAULT, vfault);
    settle(k, HK_COST_MUNMAP_PAGE, vunmap);
    settle(k, HK_COST_MADVISE_PAGE, vadvise);
}

/* ---- the TLB ---- */

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

static uint64_t next_random(uint64_t *state) /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Link n lines into one cycle in random order (Sattolo's algorithm);
 * returns its first line. */
static void *link_chain(char *base, size_t n, int packed, uint64_t *rng)
{
    size_t *next = xcalloc(n, sizeof *next);
    for (size_t i = 0; i < n; i++)
        next[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(next_random(rng) % i), t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        *(void **)line_at(base, i, packed) = line_at(base, next[i], packed);
    free(next);
    return base;
}

/* Follow `steps` links from *at, leaving *at where the chase stopped. */
static uint64_t chase(void **at, size_t steps)
{
    void *p = *at;
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < steps; i++)
        p = *(void **)p;
    uint64_t t = now_ns() - t0;
    use(p);
    *at = p;
    return t;
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

/* A working set of spread lines, its baseline of packed ones, and where
 * each chase has got to. */
typedef struct chase_pair {
    char *spread, *packed;
    void *spread_at, *packed_at;
    size_t lines, spread_bytes, packed_bytes;
} chase_pair;

static void chase_pair_open(chase_pair *c, size_t lines, uint64_t *rng)
{
    c->lines = lines;
    c->spread_bytes = lines * HK_OS_PAGE;
    c->packed_bytes = (lines * 2 * LINE + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    c->spread = map_aligned(c->spread_bytes, HK_OS_PAGE, MADV_NOHUGEPAGE);
    c->packed = map_aligned(c->packed_bytes, HUGE_PAGE, MADV_HUGEPAGE);
    c->spread_at = link_chain(c->spread, lines, 0, rng);
    c->packed_at = link_chain(c->packed, lines, 1, rng);
}

/*
 * Chase laps of both sets in turn, WARM_LAPS_MIN at least, then until
 * three in a row fail to beat the best by 2%.  A fresh working set takes
 * a while to settle: in a virtual machine (KVM), the first laps over new
 * memory can be five times slower, for up to a few dozen laps.  Both
 * sets stay busy, so neither comes to the timing with its lines and page
 * tables evicted from a cache shared with other machines.
 */
static void chase_pair_warm_up(chase_pair *c)
{
    uint64_t best = UINT64_MAX;
    int calm = 0;
    for (int lap = 1; lap <= WARM_LAPS_MAX; lap++) {
        uint64_t t = chase(&c->spread_at, c->lines) +
                     chase(&c->packed_at, c->lines);
        calm = t < best - best / 50 ? 0 : calm + 1;
        if (t < best)
            best = t;
        if (lap >= WARM_LAPS_MIN && calm >= 3)
            break;
    }
}

/* Per step, the spread chase's time over the packed one's, each going on
 * from where it stopped. */
static double chase_pair_extra(chase_pair *c, size_t steps)
{
    uint64_t spread = chase(&c->spread_at, steps);
    uint64_t packed = chase(&c->packed_at, steps);
    return ((double)spread - (double)packed) / (double)steps;
}

static void chase_pair_close(chase_pair *c)
{
    munmap(c->spread, c->spread_bytes);
    munmap(c->packed, c->packed_bytes);
}

/* Term t: per step, the extra time of chasing `pages` spread lines over
 * chasing as many packed ones. */
static void measure_chase(calib *k, enum hk_cost_term t, size_t pages,
                          uint64_t *rng)
{
    chase_pair c;
    chase_pair_open(&c, pages, rng);
    if (!on_huge_pages(c.packed, c.packed_bytes))
        note(k, "%s: no huge pages for the baseline, whose own TLB misses "
                "then make the term look cheaper", hk_cost_names[t]);
    chase_pair_warm_up(&c);
    double v[FULL_REPS];
    for (int r = 0; r < k->reps; r++)
        v[r] = chase_pair_extra(&c, CHASE_STEPS);
    chase_pair_close(&c);
    settle(k, t, v);
}

/*
 * tlb_l2_hit and tlb_walk: each step of a chase over lines spread one to
 * a 4 KiB page, in a random cycle, misses the L1 dTLB once the pages
 * outnumber its entries, and the second level too once they outnumber
 * that; the baseline chases as many lines packed into huge pages, which
 * miss neither.  The near set is a quarter of the modelled STLB (several
 * times the L1 dTLB), the far one sixteen times it.
 */
static void measure_tlb(calib *k)
{
    hk_tlb_config tlb;
    hk_tlb_config_default(&tlb);
    k->tlb_near = tlb.l2_4k.entries / 4;
    k->tlb_far = (size_t)tlb.l2_4k.entries * 16;
    uint64_t rng = 1;
    measure_chase(k, HK_COST_TLB_L2_HIT, k->tlb_near, &rng);
    measure_chase(k, HK_COST_TLB_WALK, k->tlb_far, &rng);
}

/* ---- the file ---- */

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "an unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (colon && !strncmp(line, "model name", 10)) {
            colon += 1 + strspn(colon + 1, " \t");
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(out, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

static double to_hundredths(double ns)
{
    return (double)(int64_t)(ns * 100 + 0.5) / 100;
}

static cJSON *calibration_json(const calib *k, int quick, int passes)
{
    cJSON *o = cJSON_CreateObject();
    for (int t = 0; t < HK_COST_TERMS; t++)
        cJSON_AddNumberToObject(o, hk_cost_names[t], to_hundredths(k->ns[t]));

    char host[256] = "", cpu[200], how[80], text[1536];
    struct utsname un;
    gethostname(host, sizeof host - 1);
    if (uname(&un) == 0)
        snprintf(text, sizeof text, "%s (%s %s)", host, un.sysname,
                 un.release);
    else
        snprintf(text, sizeof text, "%s", host);
    cJSON_AddStringToObject(o, "_host", text);

    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    cJSON_AddStringToObject(o, "_date", text);

    cpu_model(cpu, sizeof cpu);
    if (passes > 1)
        snprintf(how, sizeof how, "%d passes, each the median of %d",
                 passes, k->reps);
    else
        snprintf(how, sizeof how, "%d", k->reps);
    snprintf(text, sizeof text,
             "`hakmem calibrate%s` on %s, %ld CPUs: each term is the "
             "median of %s repetitions timed with CLOCK_MONOTONIC.  "
             "malloc, free, realloc: front-cache hits on a warm heap; "
             "refill, flush: 16-byte churn within one slab less its "
             "fast-path cost, per block moved; slab: pool take/give; "
             "remote_free: another heap's frees less free and flush, per "
             "remote free counted; mmap, munmap, madvise, mprotect: "
             "untouched 2 MiB regions, mincore: one page; *_page: extra "
             "per resident 4 KiB page released; page_fault: a write per "
             "fresh or emptied 4 KiB page; tlb_l2_hit, tlb_walk: random "
             "pointer chase, one line per page over %zu and %zu pages, "
             "less as many lines on huge pages",
             quick ? " --quick" : "", cpu, sysconf(_SC_NPROCESSORS_ONLN),
             how, k->tlb_near, k->tlb_far);
    cJSON_AddStringToObject(o, "_method", text);
    if (k->notes[0])
        cJSON_AddStringToObject(o, "_notes", k->notes);
    return o;
}

/* Write o to f, opened on `name`, and close it. */
static int write_json(const cJSON *o, FILE *f, const char *name)
{
    char *text = cJSON_Print(o);
    if (!text)
        die("out of memory");
    int ok = fprintf(f, "%s\n", text) >= 0;
    ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok)
        fprintf(stderr, "hakmem calibrate: %s: cannot write\n", name);
    return ok ? 0 : 1;
}

/* ---- the run ---- */

/* Every term once, each the median of k->reps repetitions; the order
 * matters, as later terms take off the costs of earlier ones. */
static void measure_pass(calib *k)
{
    measure_timer(k);
    measure_fast_path(k);
    measure_realloc(k);
    measure_refill_flush(k);
    measure_slab(k);
    measure_remote_free(k);
    measure_syscalls(k);
    measure_pages(k);
    measure_tlb(k);
}

/* The cost of term t: the median of its passes v[0..n), clamped at 0. */
static void conclude(calib *k, enum hk_cost_term t, double *v, int n)
{
    double mid = hk_median(v, (size_t)n);
    fprintf(stderr, "calibrate: %-12s %9.2f ns", hk_cost_names[t], mid);
    if (n > 1)
        fprintf(stderr, "   passes %.2f .. %.2f", v[0], v[n - 1]);
    fputc('\n', stderr);
    if (mid < 0) {
        note(k, "%s measured %.2f ns, written as 0", hk_cost_names[t], mid);
        mid = 0;
    }
    k->ns[t] = mid;
}

int hk_cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"quick", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int quick = 0, opt;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': path = optarg; break;
        case 'q': quick = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *out = path ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "hakmem calibrate: %s: %s\n", path, strerror(errno));
        return 1;
    }

    calib k = {.reps = quick ? QUICK_REPS : FULL_REPS};
    int passes = quick ? QUICK_PASSES : FULL_PASSES;
    double by_pass[HK_COST_TERMS][FULL_PASSES];
    uint64_t t0 = now_ns();
    for (int i = 0; i < passes; i++) {
        measure_pass(&k);
        for (int t = 0; t < HK_COST_TERMS; t++)
            by_pass[t][i] = k.ns[t];
        fprintf(stderr, "calibrate: pass %d of %d done at %.1f s\n", i + 1,
                passes, (double)(now_ns() - t0) * 1e-9);
    }
    for (int t = 0; t < HK_COST_TERMS; t++)
        conclude(&k, t, by_pass[t], passes);

    cJSON *o = calibration_json(&k, quick, passes);
    int rc = write_json(o, out, path ? path : "standard output");
    cJSON_Delete(o);
    return rc;
}
