/*
 * measure_alloc.c - the allocator's terms: the core itself on the real
 * backend, purges off (so no madvise lands in a timed loop), each loop
 * warm before it is timed and checked to make no system call but the
 * pointer check's mincore, which one loop makes on purpose to price it
 * warm (mincore_near).  Where a loop also does events already measured,
 * their cost is taken off, so that the model's weighted sum of the loop's
 * counted events reproduces its time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiments/calibrate/calib.h"
#include "experiments/common/stats.h"

/* What one repetition does. */
#define FAST_CLASSES 8 /* malloc, free: sizes 16, 32, ..., 128 */
#define FAST_ROUNDS 32
#define REALLOC_CYCLES 1000
#define CHURN_SIZE 16     /* refill, flush, remote_free */
#define CHURN_BLOCKS 2048 /* half a 64 KiB slab of 16-byte blocks */
#define CHURN_ROUNDS 8
/* front_miss and give_back are priced as programs pay them: blocks of
 * mixed sizes replaced in random order, over more slabs than one per
 * class.  In the one-slab churn above every branch of those paths goes
 * the same way each time and their loads hit; a program's frees land in
 * slabs that are full or not, head or not, and cost two to four times as
 * much (random_mixed traces of 2,048 and 32,768 live blocks replayed
 * without front caches ran 20 to 46 ns per malloc and free over a model
 * priced on the one-slab churn). */
#define MIX_BLOCKS 4096 /* live throughout */
#define MIX_BATCH 256   /* freed, then allocated again, per round */
#define MIX_ROUNDS 32
#define MIX_MIN_SHIFT 4  /* sizes log-uniform from 16 bytes ... */
#define MIX_MAX_SHIFT 10 /* ... to 1 KiB */
#define SLAB_BATCH 16 /* slabs taken, then given back, per round */
#define SLAB_ROUNDS 32
#define LARGE_SIZE ((size_t)256 << 10)
#define LARGE_ROUNDS 256

#define PURGE_OFF_MS 3600000 /* purge_delay's maximum: no purge in a loop */

void measure_timer(calib *k)
{
    enum { READS = 1000, CPU_READS = 20 };
    double v[CALIB_MAX_REPS], c[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = calib_now_ns();
        for (int i = 0; i < READS; i++)
            calib_now_ns();
        v[r] = (double)(calib_now_ns() - t0) / READS;
        t0 = calib_cpu_ns();
        for (int i = 0; i < CPU_READS; i++)
            calib_cpu_ns();
        c[r] = (double)(calib_cpu_ns() - t0) / (CPU_READS + 1);
    }
    k->timer_ns = hk_median(v, (size_t)k->reps);
    k->cpu_timer_ns = hk_median(c, (size_t)k->reps);
}

typedef struct bench {
    hk_allocator *a;
    hk_heap *heap[2];
    int heaps;
    hk_os_counts warm; /* the backend's counts when the timing began */
} bench;

/* An allocator with `heaps` heaps; shared_pool 0 is the design without
 * front caches; ptr_check as hk_params. */
static void bench_open_checked(bench *b, int heaps, int shared_pool,
                               uint64_t ptr_check)
{
    hk_params p;
    hk_params_default(&p);
    p.purge_delay = PURGE_OFF_MS;
    p.front_max = p.front_cap; /* fronts that do not grow, so that the
                                * churn loops keep refilling and flushing */
    p.shared_pool = (uint64_t)shared_pool;
    p.ptr_check = ptr_check;
    b->a = calib_xcalloc(1, sizeof *b->a);
    if (hk_alloc_init(b->a, &p) < 0)
        calib_die("cannot set up an allocator");
    b->heaps = heaps;
    for (int i = 0; i < heaps; i++)
        if (!(b->heap[i] = hk_heap_create(b->a)))
            calib_die("cannot create a heap");
}

/* ... with the default pointer check. */
static void bench_open(bench *b, int heaps, int shared_pool)
{
    hk_params p;
    hk_params_default(&p);
    bench_open_checked(b, heaps, shared_pool, p.ptr_check);
}

/* The allocator is warm: from here on its loops are timed, and they must
 * not call the kernel. */
static void bench_start(bench *b)
{
    hk_os_counts_get(&b->warm);
}

/* The timed loops are over: t names the term measured, in a note if they
 * made system calls (but mincore, which the loops of ptr_check=always
 * make on purpose: the counts are the process's). */
static void bench_check(calib *k, const bench *b, enum hk_cost_term t)
{
    hk_os_counts now;
    hk_os_counts_get(&now);
    uint64_t calls = 0;
    for (int i = 0; i < HK_OS_CALLS; i++)
        if (i != HK_OS_MINCORE)
            calls += now.calls[i] - b->warm.calls[i];
    if (calls)
        calib_note(k, "%s: the allocator made %llu system calls while timed",
                   hk_cost_names[t], (unsigned long long)calls);
}

static void bench_free(bench *b)
{
    for (int i = 0; i < b->heaps; i++)
        hk_heap_destroy(b->heap[i]);
    hk_alloc_destroy(b->a);
    free(b->a);
}

static void bench_close(calib *k, bench *b, enum hk_cost_term t)
{
    bench_check(k, b, t);
    bench_free(b);
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
        calib_note(k, "%s: its loop had %llu %s", hk_cost_names[t],
                   (unsigned long long)n, events);
}

/* Half a front's worth of blocks of each fast class, then free them in
 * reverse, which leaves every front as it was. */
static void fast_round(hk_allocator *a, hk_heap *h, void **blocks,
                       uint32_t batch, uint64_t *t_malloc, uint64_t *t_free)
{
    size_t n = 0;
    uint64_t t0 = calib_now_ns();
    for (unsigned c = 0; c < FAST_CLASSES; c++)
        for (uint32_t i = 0; i < batch; i++)
            blocks[n++] = hk_malloc_fast(a, h, 16 * (c + 1));
    uint64_t t1 = calib_now_ns();
    while (n)
        hk_free_fast(a, h, blocks[--n]);
    uint64_t t2 = calib_now_ns();
    *t_malloc += t1 - t0;
    *t_free += t2 - t1;
}

/* malloc and free: the front-cache hit path on a warm heap. */
void measure_fast_path(calib *k)
{
    bench b;
    bench_open(&b, 1, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    uint32_t batch = a->cls[FAST_CLASSES - 1].front_cap / 2;
    size_t n = (size_t)FAST_CLASSES * batch;
    void **blocks = calib_xcalloc(n, sizeof *blocks);
    uint64_t t_malloc = 0, t_free = 0;
    fast_round(a, h, blocks, batch, &t_malloc, &t_free);
    bench_start(&b);

    hk_class_stats before = class_totals(a);
    double vm[CALIB_MAX_REPS], vf[CALIB_MAX_REPS];
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
    calib_settle(k, HK_COST_MALLOC, vm);
    calib_settle(k, HK_COST_FREE, vf);
    free(blocks);
    bench_close(k, &b, HK_COST_MALLOC);
}

/* From a 20-byte block: grow within its class, grow into another class,
 * shrink within that one, shrink back.  Two in place, two that move. */
static const size_t realloc_cycle[] = {32, 100, 60, 20};
#define REALLOC_STEPS (sizeof realloc_cycle / sizeof realloc_cycle[0])

void measure_realloc(calib *k)
{
    bench b;
    bench_open(&b, 1, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    void *p = hk_malloc_fast(a, h, 20);
    for (size_t j = 0; j < REALLOC_STEPS; j++)
        p = hk_alloc_realloc(a, h, p, realloc_cycle[j]);
    bench_start(&b);

    hk_class_stats before = class_totals(a);
    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = calib_now_ns();
        for (int i = 0; i < REALLOC_CYCLES; i++)
            for (size_t j = 0; j < REALLOC_STEPS; j++)
                p = hk_alloc_realloc(a, h, p, realloc_cycle[j]);
        calib_use(p);
        v[r] = ((double)(calib_now_ns() - t0) - k->timer_ns) /
               ((double)REALLOC_CYCLES * REALLOC_STEPS);
    }
    hk_class_stats after = class_totals(a);
    expect_none(k, HK_COST_REALLOC, "refills or flushes",
                after.front_misses - before.front_misses + after.flushes -
                    before.flushes);
    calib_settle(k, HK_COST_REALLOC, v);
    hk_free_fast(a, h, p);
    bench_close(k, &b, HK_COST_REALLOC);
}

/* CHURN_BLOCKS mallocs, then as many frees: with a front cache the
 * mallocs refill it over and over and the frees flush it; without one
 * each malloc takes a block from the slab and each free gives it back.
 * All within one slab, which a block allocated before keeps from
 * emptying. */
static void churn_round(hk_allocator *a, hk_heap *h, void **blocks,
                        uint64_t *t_malloc, uint64_t *t_free)
{
    uint64_t t0 = calib_now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        blocks[i] = hk_malloc_fast(a, h, CHURN_SIZE);
    uint64_t t1 = calib_now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        hk_free_fast(a, h, blocks[i]);
    uint64_t t2 = calib_now_ns();
    *t_malloc += t1 - t0;
    *t_free += t2 - t1;
}

/* One allocator's churn rounds: the time of its mallocs and frees less
 * their fast-path costs, and what its counters say happened. */
typedef struct churn {
    double malloc_ns, free_ns;
    hk_class_stats d;
    uint64_t probes; /* mincore calls (ptr_check=always) */
} churn;

/* What a churn's rounds start from. */
typedef struct churn_start {
    hk_class_stats stats;
    hk_os_counts calls;
} churn_start;

static churn_start churn_begin(const bench *b)
{
    churn_start s = {.stats = class_totals(b->a)};
    hk_os_counts_get(&s.calls);
    return s;
}

/* Rounds of `per_round` mallocs and as many frees, which took t_malloc
 * and t_free in all: what the counters say happened, and their times
 * less the fast paths' and the clock's. */
static void churn_end(const calib *k, const bench *b, const churn_start *s,
                      uint64_t t_malloc, uint64_t t_free, int rounds,
                      size_t per_round, churn *out)
{
    hk_class_stats after = class_totals(b->a);
    hk_os_counts calls;
    hk_os_counts_get(&calls);
    uint64_t *d = (uint64_t *)&out->d;
    const uint64_t *x = (const uint64_t *)&after,
                   *y = (const uint64_t *)&s->stats;
    for (size_t i = 0; i < sizeof out->d / sizeof *d; i++)
        d[i] = x[i] - y[i];
    out->probes = calls.calls[HK_OS_MINCORE] - s->calls.calls[HK_OS_MINCORE];
    double n = (double)rounds * (double)per_round;
    out->malloc_ns = (double)t_malloc - n * k->ns[HK_COST_MALLOC] -
                     rounds * k->timer_ns;
    out->free_ns = (double)t_free - n * k->ns[HK_COST_FREE] -
                   rounds * k->timer_ns;
}

static void churn_measure(calib *k, bench *b, void **blocks, churn *out)
{
    churn_start s = churn_begin(b);
    uint64_t t_malloc = 0, t_free = 0;
    for (int i = 0; i < CHURN_ROUNDS; i++)
        churn_round(b->a, b->heap[0], blocks, &t_malloc, &t_free);
    churn_end(k, b, &s, t_malloc, t_free, CHURN_ROUNDS, CHURN_BLOCKS, out);
}

/* The mixed churn (MIX_BLOCKS): live blocks, a permutation of their
 * slots whose first MIX_BATCH are the next round's, and the sizes the
 * round allocates. */
typedef struct mix {
    void *block[MIX_BLOCKS];
    uint32_t slot[MIX_BLOCKS];
    size_t size[MIX_BATCH];
    uint64_t rng;
} mix;

static size_t mix_size(mix *m)
{
    uint64_t octaves = MIX_MAX_SHIFT - MIX_MIN_SHIFT;
    size_t low = (size_t)1
                 << (MIX_MIN_SHIFT + calib_random(&m->rng) % octaves);
    return low + calib_random(&m->rng) % low;
}

/* Draw the next round's slots (distinct: a partial shuffle) and sizes,
 * untimed. */
static void mix_draw(mix *m)
{
    for (uint32_t i = 0; i < MIX_BATCH; i++) {
        uint32_t j = i + (uint32_t)(calib_random(&m->rng) % (MIX_BLOCKS - i));
        uint32_t t = m->slot[i];
        m->slot[i] = m->slot[j];
        m->slot[j] = t;
        m->size[i] = mix_size(m);
    }
}

static void mix_fill(hk_allocator *a, hk_heap *h, mix *m)
{
    m->rng = 0x5eed;
    for (uint32_t i = 0; i < MIX_BLOCKS; i++) {
        m->slot[i] = i;
        m->block[i] = hk_malloc_fast(a, h, mix_size(m));
    }
}

/* One round: MIX_BATCH random blocks freed, then as many allocated. */
static void mix_round(hk_allocator *a, hk_heap *h, mix *m, uint64_t *t_malloc,
                      uint64_t *t_free)
{
    mix_draw(m);
    uint64_t t0 = calib_now_ns();
    for (uint32_t i = 0; i < MIX_BATCH; i++)
        hk_free_fast(a, h, m->block[m->slot[i]]);
    uint64_t t1 = calib_now_ns();
    for (uint32_t i = 0; i < MIX_BATCH; i++)
        m->block[m->slot[i]] = hk_malloc_fast(a, h, m->size[i]);
    uint64_t t2 = calib_now_ns();
    *t_free += t1 - t0;
    *t_malloc += t2 - t1;
}

/* ... and the mixed churn's. */
static void mix_measure(calib *k, bench *b, mix *m, churn *out)
{
    churn_start s = churn_begin(b);
    uint64_t t_malloc = 0, t_free = 0;
    for (int i = 0; i < MIX_ROUNDS; i++)
        mix_round(b->a, b->heap[0], m, &t_malloc, &t_free);
    churn_end(k, b, &s, t_malloc, t_free, MIX_ROUNDS, MIX_BATCH, out);
}

/*
 * refill, flush, front_miss, give_back.  With a front cache, a churn
 * round's mallocs cost, beyond the fast path, misses x front_miss +
 * refilled x refill; without one, every malloc misses and refills one
 * block, so front_miss + refill is its cost per malloc.  Two equations,
 * two unknowns, both churns within one slab: refill.  flush: per block
 * flushed.  front_miss: the mixed churn's cost per malloc without a front
 * cache, less refill; give_back: its cost per free, beyond the fast
 * path's own check.  mincore_near: what the same churn's frees cost more
 * under ptr_check=always, per mincore it made: a program checked on every
 * free makes it so, with a malloc and a free between calls, the kernel's
 * path still in the caches (system calls are otherwise timed cold,
 * measure_kernel.c).
 */
void measure_refill_flush(calib *k)
{
    bench with, without, mixed, checked;
    bench_open(&with, 1, 1);
    bench_open(&without, 1, 0);
    bench_open(&mixed, 1, 0);
    bench_open_checked(&checked, 1, 0, HK_PTR_CHECK_ALWAYS);
    void **blocks = calib_xcalloc(CHURN_BLOCKS, sizeof *blocks);
    void *pin = hk_malloc_fast(without.a, without.heap[0], CHURN_SIZE);
    mix *m = calib_xcalloc(1, sizeof *m), *mc = calib_xcalloc(1, sizeof *mc);
    mix_fill(mixed.a, mixed.heap[0], m);
    mix_fill(checked.a, checked.heap[0], mc);
    uint64_t t_malloc = 0, t_free = 0;
    churn_round(with.a, with.heap[0], blocks, &t_malloc, &t_free);
    churn_round(without.a, without.heap[0], blocks, &t_malloc, &t_free);
    for (int i = 0; i < MIX_ROUNDS; i++)
        mix_round(mixed.a, mixed.heap[0], m, &t_malloc, &t_free);
    bench_start(&with);
    bench_start(&without);
    bench_start(&mixed);
    bench_start(&checked);

    double vr[CALIB_MAX_REPS], vf[CALIB_MAX_REPS], vm[CALIB_MAX_REPS],
        vg[CALIB_MAX_REPS], vp[CALIB_MAX_REPS], x_free[CALIB_MAX_REPS];
    uint64_t slabs = 0;
    for (int r = 0; r < k->reps; r++) {
        churn w, o, x;
        churn_measure(k, &with, blocks, &w);
        churn_measure(k, &without, blocks, &o);
        mix_measure(k, &mixed, m, &x);
        if (!w.d.refilled || !w.d.flushed || !o.d.returned ||
            w.d.refilled <= w.d.front_misses || !x.d.front_misses ||
            !x.d.returned)
            calib_die("the churn loops did not refill, flush and give back");
        slabs += w.d.slabs_acquired + o.d.slabs_acquired;
        double one = o.malloc_ns / (double)o.d.front_misses;
        vr[r] = (w.malloc_ns - (double)w.d.front_misses * one) /
                (double)(w.d.refilled - w.d.front_misses);
        vm[r] = x.malloc_ns / (double)x.d.front_misses - vr[r];
        vf[r] = w.free_ns / (double)w.d.flushed;
        vg[r] = x.free_ns / (double)x.d.returned;
        x_free[r] = x.free_ns;
    }
    /* The checked twin after all the others: its probes between theirs
     * would leave them cold caches (give_back tripled). */
    for (int i = 0; i < MIX_ROUNDS; i++)
        mix_round(checked.a, checked.heap[0], mc, &t_malloc, &t_free);
    for (int r = 0; r < k->reps; r++) {
        churn y;
        mix_measure(k, &checked, mc, &y);
        if (!y.probes)
            calib_die("the checked churn made no mincore");
        vp[r] = (y.free_ns - x_free[r]) / (double)y.probes;
    }
    expect_none(k, HK_COST_REFILL, "slabs acquired", slabs);
    calib_settle(k, HK_COST_REFILL, vr);
    calib_settle(k, HK_COST_FRONT_MISS, vm);
    calib_settle(k, HK_COST_FLUSH, vf);
    calib_settle(k, HK_COST_GIVE_BACK, vg);
    calib_settle(k, HK_COST_MINCORE_NEAR, vp);
    bench_check(k, &with, HK_COST_REFILL);
    bench_check(k, &without, HK_COST_FRONT_MISS);
    bench_check(k, &mixed, HK_COST_GIVE_BACK);
    bench_check(k, &checked, HK_COST_MINCORE_NEAR);
    hk_free_fast(without.a, without.heap[0], pin);
    for (uint32_t i = 0; i < MIX_BLOCKS; i++) {
        hk_free_fast(mixed.a, mixed.heap[0], m->block[i]);
        hk_free_fast(checked.a, checked.heap[0], mc->block[i]);
    }
    free(m);
    free(mc);
    free(blocks);
    bench_free(&with);
    bench_free(&without);
    bench_free(&mixed);
    bench_free(&checked);
}

/* slab: slabs taken from the pool and given straight back, per take or
 * give.  One slab stays taken throughout, so its SuperSlab never empties
 * into the LRU, as in a program that holds memory. */
void measure_slab(calib *k)
{
    bench b;
    bench_open(&b, 1, 1);
    hk_allocator *a = b.a;
    hk_heap *h = b.heap[0];
    hk_slab *pinned = hk_pool_acquire_slab(a, h, 0, 1), *s[SLAB_BATCH];
    if (!pinned)
        calib_die("cannot take a slab");
    bench_start(&b);

    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = calib_now_ns();
        for (int i = 0; i < SLAB_ROUNDS; i++) {
            for (int j = 0; j < SLAB_BATCH; j++)
                s[j] = hk_pool_acquire_slab(a, h, 0, 1);
            for (int j = 0; j < SLAB_BATCH; j++)
                hk_pool_release_slab(a, s[j]);
        }
        v[r] = ((double)(calib_now_ns() - t0) - k->timer_ns) /
               (2.0 * SLAB_ROUNDS * SLAB_BATCH);
    }
    calib_settle(k, HK_COST_SLAB, v);
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
    uint64_t t0 = calib_now_ns();
    for (size_t i = 0; i < CHURN_BLOCKS; i++)
        hk_free_fast(a, other, blocks[i]);
    *t_free += calib_now_ns() - t0;
    hk_class_stats after = class_totals(a);
    *flushed += after.flushed - before.flushed;
    *remote += after.remote_frees - before.remote_frees;
    hk_alloc_trim(a, other);
}

/* remote_free: the other heap's time less its frees and the blocks it
 * flushed, per remote free counted. */
void measure_remote_free(calib *k)
{
    bench b;
    bench_open(&b, 2, 1);
    hk_allocator *a = b.a;
    hk_heap *owner = b.heap[0], *other = b.heap[1];
    void **blocks = calib_xcalloc(CHURN_BLOCKS, sizeof *blocks);
    uint64_t t_free = 0, flushed = 0, remote = 0;
    remote_round(a, owner, other, blocks, &t_free, &flushed, &remote);
    bench_start(&b);

    double fast = CHURN_BLOCKS * k->ns[HK_COST_FREE] + k->timer_ns;
    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        t_free = flushed = remote = 0;
        for (int i = 0; i < CHURN_ROUNDS; i++)
            remote_round(a, owner, other, blocks, &t_free, &flushed,
                         &remote);
        if (!remote)
            calib_die("no free took the remote path");
        v[r] = ((double)t_free - CHURN_ROUNDS * fast -
                (double)flushed * k->ns[HK_COST_FLUSH]) /
               (double)remote;
    }
    calib_settle(k, HK_COST_REMOTE_FREE, v);
    free(blocks);
    bench_close(k, &b, HK_COST_REMOTE_FREE);
}

/* large: a 256 KiB block allocated and freed over and over, served by
 * the cache of freed large blocks; per allocation or free.  With no heap:
 * a thread's heap would keep the block (core/keep.h), which the model
 * prices as the malloc and the free alone. */
void measure_large(calib *k)
{
    bench b;
    bench_open(&b, 1, 1);
    hk_allocator *a = b.a;
    hk_heap *h = NULL;
    hk_free_fast(a, h, hk_malloc_fast(a, h, LARGE_SIZE));
    bench_start(&b);

    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = calib_now_ns();
        for (int i = 0; i < LARGE_ROUNDS; i++) {
            void *p = hk_malloc_fast(a, h, LARGE_SIZE);
            calib_use(p);
            hk_free_fast(a, h, p);
        }
        v[r] = ((double)(calib_now_ns() - t0) - k->timer_ns) /
                   (2.0 * LARGE_ROUNDS) -
               (k->ns[HK_COST_MALLOC] + k->ns[HK_COST_FREE]) / 2;
    }
    calib_settle(k, HK_COST_LARGE, v);
    bench_close(k, &b, HK_COST_LARGE);
}
