/*
 * measure_overlap.c - cache_mem_near: a miss to memory that comes one
 * event after the one before it, as the threaded replay engine's ops
 * come one after another.
 *
 * A core runs on past a load that missed, as far as its reorder buffer
 * reaches, and a miss it meets on the way overlaps the first.  How much
 * depends on the work between them.  Timed on this project's VM, a read
 * and a write of a random line 128 MiB wide, with n free-and-malloc
 * pairs of a warm heap between each two, cost over a line in L1:
 *
 *     work between (ns)   0.7   3.5   7.9   11.6   14.3   18.0   23.5
 *     miss (ns)            10    40    70    106    103    227    214
 *
 * about the latency over 1 + the work the core reaches past a miss
 * (about 17 ns here) over the work between two.  The threaded engine's
 * op does a dispatch and a malloc or a free: a miss one op after the
 * last is priced by the loop with as much work between as that, its
 * price interpolated between the two numbers of pairs around it.  The
 * serial engine decodes each event and looks its object up as well,
 * more than the reach (cost.c).
 *
 * The lines: a read and a write of a word in each (as a free reads and
 * marks its block), random, over a buffer on huge pages 8 times the L3,
 * against the same over one in L1.  Less the L2 and L3 steps (cache_l2,
 * cache_l3) and scaled for the steps whose line the L3 held (its size
 * over the buffer's), the difference is the term, in cache_mem's units.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>

#include "experiments/calibrate/calib.h"

#define LINE HK_DCACHE_LINE
#define HUGE_PAGE ((size_t)2 << 20)
#define FAR_MIN ((size_t)64 << 20)
#define NEAR_BYTES ((size_t)16 << 10) /* well inside any L1 */
#define STEPS 100000
#define BLOCK 64
#define MAX_PAIRS 16

typedef struct steps {
    hk_allocator *a;
    hk_heap *h;
    void *block[MAX_PAIRS];
    uint32_t *at; /* random, STEPS of them */
} steps;

/* ns per step over buf's lines (mask: their number less one), with
 * `pairs` frees and mallocs in each step. */
static double step_ns(const calib *k, steps *s, char *buf, uint32_t mask,
                      unsigned pairs)
{
    uint64_t t0 = calib_now_ns();
    for (size_t i = 0; i < STEPS; i++) {
        for (unsigned p = 0; p < pairs; p++) {
            hk_free_fast(s->a, s->h, s->block[p]);
            s->block[p] = hk_malloc_fast(s->a, s->h, BLOCK);
        }
        volatile uint64_t *w =
            (volatile uint64_t *)(buf + (size_t)(s->at[i] & mask) * LINE);
        w[1] += i;
    }
    return ((double)(calib_now_ns() - t0) - k->timer_ns) / STEPS;
}

void measure_overlap(calib *k)
{
    size_t l3 = k->dcache.bytes[2];
    size_t far = FAR_MIN; /* a power of two: its lines are masked */
    while (far < 8 * l3)
        far *= 2;
    char *far_buf = calib_map_aligned(far, HUGE_PAGE, MADV_HUGEPAGE);
    char *near_buf =
        calib_map_aligned(NEAR_BYTES, HK_OS_PAGE, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < far; i += HK_OS_PAGE)
        far_buf[i] = 1;
    for (size_t i = 0; i < NEAR_BYTES; i += HK_OS_PAGE)
        near_buf[i] = 1;
    steps s = {.a = calib_allocator(),
               .at = calib_xcalloc(STEPS, sizeof(uint32_t))};
    if (!(s.h = hk_heap_create(s.a)))
        calib_die("cannot create a heap");
    for (unsigned p = 0; p < MAX_PAIRS; p++)
        s.block[p] = hk_malloc_fast(s.a, s.h, BLOCK);
    uint64_t rng = 0x243f6a8885a308d3ull;
    for (size_t i = 0; i < STEPS; i++)
        s.at[i] = (uint32_t)calib_random(&rng);
    uint32_t near_mask = (uint32_t)(NEAR_BYTES / LINE - 1),
             far_mask = (uint32_t)(far / LINE - 1);

    /* The threaded engine's work per op, and the pairs around it. */
    double op = k->ns[HK_COST_DISPATCH] +
                (k->ns[HK_COST_MALLOC] + k->ns[HK_COST_FREE]) / 2;
    unsigned lo = 0;
    while (lo + 1 < MAX_PAIRS &&
           step_ns(k, &s, near_buf, near_mask, lo + 1) <= op)
        lo++;

    double held = (double)l3 / (double)far;
    double over_l3 = k->ns[HK_COST_CACHE_L2] + k->ns[HK_COST_CACHE_L3];
    double v[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        double work[2], miss[2];
        for (unsigned i = 0; i < 2; i++) {
            work[i] = step_ns(k, &s, near_buf, near_mask, lo + i);
            miss[i] = step_ns(k, &s, far_buf, far_mask, lo + i) - work[i];
        }
        double at = work[1] > work[0] ? (op - work[0]) / (work[1] - work[0])
                                      : 0;
        at = at < 0 ? 0 : at > 1 ? 1 : at;
        double x = (miss[0] + at * (miss[1] - miss[0]) - over_l3) / (1 - held);
        v[r] = x > 0 ? x : 0;
    }
    for (unsigned p = 0; p < MAX_PAIRS; p++)
        hk_free_fast(s.a, s.h, s.block[p]);
    calib_allocator_free(s.a);
    free(s.at);
    munmap(far_buf, far);
    munmap(near_buf, NEAR_BYTES);
    calib_settle(k, HK_COST_CACHE_MEM_NEAR, v);
}
