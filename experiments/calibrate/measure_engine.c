/*
 * measure_engine.c - the replay engines' own terms, measured on the
 * engines themselves: `hakmem replay` runs sim/replay.c (serial) and
 * experiments/replay/replay_threads.c (threads), and so does this.
 *
 * Each run replays a reference trace as `hakmem replay` does, in a
 * process of its own (forked): a fresh allocator, for the threaded
 * engine a plan loaded first (untimed), the replay on the CPU the whole
 * calibration keeps to unless it runs on several threads, and timed by
 * the CPU clock (as `hakmem replay` runs it for `hakmem validate`).
 * That matters: a replay's first steps in a process cost far more than
 * the same steps again (code and data not yet in the caches and TLBs,
 * and on a virtual machine pages first read after the loader wrote them
 * cost microseconds each that no counter shows), and a real replay runs
 * once.  The time less what the model prices the allocator's counted
 * work at (malloc, free, refill, ..., system calls, every page fault the
 * kernel counted) is the engine's.  Two traces of the same kind, short
 * and long, tell apart what a replay costs once (start, start_threads)
 * from what each event costs:
 *
 *   threads: dispatch per op
 *   serial:  decode + object_table per event (decode is timed alone, on
 *            reading the trace)
 *   threads, one thread allocating batches that another frees: handoff
 *            per free of the other thread's object, over the same events
 *            all in one thread (both short: warm-up included in each)
 *   threads, RELAY_THREADS threads one after another, each allocating
 *            and freeing a few blocks of its own: thread per thread
 *            after the first, over the same events all in one thread
 *
 * The short trace has a hundred thousand cycles, not fewer: the threaded
 * engine's ops cost about twice as much in the first hundred thousand or
 * so as they do after (here 20 ns against 10, steady from 100 thousand
 * to 3 million events), so a slope taken over shorter traces prices
 * every op of a long one at its warm-up cost.  The warm-up goes into
 * start_threads; the serial engine's cost per event is the same
 * throughout.
 *
 * The reference traces' objects fit the caches and the first-level dTLB,
 * so the terms are the engines' work itself; the misses of larger
 * working sets are the TLB terms' part, or left out (the caches).  The
 * writes of touch=first|pages|all are timed alone (touch_write,
 * touch_byte): a byte written to each page of a warm buffer on huge
 * pages, and memset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/pool.h"
#include "experiments/calibrate/calib.h"
#include "experiments/common/pin.h"
#include "experiments/common/stats.h"
#include "experiments/replay/replay_plan.h"
#include "experiments/replay/replay_threads.h"
#include "sim/replay.h"
#include "traces/gen.h"
#include "traces/trace.h"

#define SMALL_CYCLES 100000
#define BIG_CYCLES 400000
#define HANDOFF_BATCHES 1000
#define HANDOFF_BATCH 64
#define HANDOFF_SIZE 32
#define RELAY_THREADS 500
#define RELAY_BLOCKS 4 /* per thread */
#define TOUCH_PAGES 64 /* 256 KiB: the caches hold them */
#define TOUCH_ROUNDS 32
#define COPY_BYTES ((size_t)512 << 10)

struct engine_refs {
    char dir[64];
    char small[96], big[96]; /* one thread, short and long */
    char two[96], one[96];   /* batches passed between threads, or not */
    char relay[96], relay_one[96]; /* threads one after another, or one */
    hk_replay_stats stats_small, stats_big, stats_two, stats_one,
        stats_relay, stats_relay_one;
};

static void make_one(const char *path, uint64_t cycles)
{
    char err[256];
    hk_random_mixed_opts o = {.cycles = cycles, .ws = 256, .seed = 1};
    if (hk_gen_random_mixed(&o, path, err, sizeof err) != HK_GEN_OK)
        calib_die("cannot make a reference trace: %s", err);
}

/* Groups of `blocks` blocks of HANDOFF_SIZE bytes, each group allocated
 * and then freed whole, one after another.  Passed: thread 0 allocates
 * each group and thread 1 frees it, a pipeline in which every free is a
 * handoff; else each group is a thread's of its own, threads that begin
 * and end one after another.  With threads 1, the same events all in
 * thread 0. */
static void make_groups(const char *path, uint64_t groups, uint64_t blocks,
                        int passed, uint32_t threads)
{
    char err[256];
    hk_trace_writer *w = hk_trace_create(path, "calibrate: threads", err,
                                         sizeof err);
    if (!w)
        calib_die("%s", err);
    uint64_t time = 0;
    for (uint64_t g = 0; g < groups; g++)
        for (int freeing = 0; freeing < 2; freeing++)
            for (uint64_t i = 0; i < blocks; i++) {
                uint64_t thread = passed ? (uint64_t)freeing : g;
                hk_event ev = {
                    .kind = freeing ? HK_EV_FREE : HK_EV_MALLOC,
                    .thread = (uint32_t)(thread % threads),
                    .id = g * blocks + i,
                    .size = freeing ? 0 : HANDOFF_SIZE,
                    .time_ns = time++,
                };
                if (hk_trace_write(w, &ev) < 0)
                    break;
            }
    if (hk_trace_close(w, err, sizeof err) < 0)
        calib_die("%s", err);
}

/* What a replay did, from its start hook to its end, timed by the
 * process's CPU clock: `hakmem replay`'s cpu_s. */
typedef struct window {
    uint64_t t0, t;
    long faults0, faults;
    hk_stats_snapshot s0, s;
    hk_os_counts os0, os;
    hk_allocator *a;
} window;

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long faults_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

static void window_start(void *ctx)
{
    window *w = ctx;
    hk_alloc_snapshot(w->a, &w->s0);
    hk_os_counts_get(&w->os0);
    w->faults0 = faults_now();
    w->t0 = clock_ns();
}

static void window_end(window *w)
{
    w->t = clock_ns() - w->t0;
    w->faults = faults_now() - w->faults0;
    hk_os_counts_get(&w->os);
    hk_alloc_snapshot(w->a, &w->s);
}

hk_allocator *calib_allocator(void)
{
    hk_params p;
    hk_params_default(&p);
    hk_allocator *a = calib_xcalloc(1, sizeof *a);
    if (hk_alloc_init(a, &p) < 0)
        calib_die("cannot set up an allocator");
    return a;
}

void calib_allocator_free(hk_allocator *a)
{
    for (hk_heap *h = a->pool.heaps; h; h = h->next)
        if (h->state == HK_HEAP_LIVE) /* trace thread 0's, kept as a main
                                       * thread keeps its heap */
            hk_heap_destroy(h);
    hk_alloc_destroy(a);
    free(a);
}

/* The serial engine on `path`, as `hakmem replay --serial` runs it, on
 * a fresh allocator; measured into w unless it is NULL. */
static void replay_serial(const char *path, window *w, hk_replay_stats *st)
{
    char err[256];
    hk_allocator *a = calib_allocator();
    if (w)
        w->a = a;
    if (hk_replay(a, path, HK_TOUCH_NONE, w ? window_start : NULL, w, st,
                  err, sizeof err) < 0)
        calib_die("%s", err);
    if (w)
        window_end(w);
    calib_allocator_free(a);
}

/* The threaded engine on `path`, loaded now, on a fresh allocator;
 * measured into w. */
static void replay_threads(const char *path, window *w)
{
    char err[256];
    hk_replay_plan plan;
    hk_replay_result res;
    if (hk_replay_plan_load(&plan, path, err, sizeof err) < 0)
        calib_die("%s", err);
    hk_allocator *a = calib_allocator();
    w->a = a;
    if (plan.nthreads > 1)
        hk_pin_release();
    if (hk_replay_threads(&plan, a, HK_TOUCH_NONE, window_start, w, &res,
                          err, sizeof err) < 0)
        calib_die("%s", err);
    window_end(w);
    calib_allocator_free(a);
    hk_replay_plan_free(&plan);
}

void engine_refs_open(calib *k)
{
    struct engine_refs *e = k->engine = calib_xcalloc(1, sizeof *e);
    const char *tmp = getenv("TMPDIR");
    snprintf(e->dir, sizeof e->dir, "%s/hakmem-calibrate.XXXXXX",
             tmp && tmp[0] == '/' && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(e->dir))
        calib_die("%s: %s", e->dir, strerror(errno));
    snprintf(e->small, sizeof e->small, "%s/small.trace", e->dir);
    snprintf(e->big, sizeof e->big, "%s/big.trace", e->dir);
    snprintf(e->two, sizeof e->two, "%s/two.trace", e->dir);
    snprintf(e->one, sizeof e->one, "%s/one.trace", e->dir);
    snprintf(e->relay, sizeof e->relay, "%s/relay.trace", e->dir);
    snprintf(e->relay_one, sizeof e->relay_one, "%s/relay1.trace", e->dir);
    make_one(e->small, SMALL_CYCLES);
    make_one(e->big, BIG_CYCLES);
    make_groups(e->two, HANDOFF_BATCHES, HANDOFF_BATCH, 1, 2);
    make_groups(e->one, HANDOFF_BATCHES, HANDOFF_BATCH, 1, 1);
    make_groups(e->relay, RELAY_THREADS, RELAY_BLOCKS, 0, RELAY_THREADS);
    make_groups(e->relay_one, RELAY_THREADS, RELAY_BLOCKS, 0, 1);
    /* The engine's counts of the traces. */
    replay_serial(e->small, NULL, &e->stats_small);
    replay_serial(e->big, NULL, &e->stats_big);
    replay_serial(e->two, NULL, &e->stats_two);
    replay_serial(e->one, NULL, &e->stats_one);
    replay_serial(e->relay, NULL, &e->stats_relay);
    replay_serial(e->relay_one, NULL, &e->stats_relay_one);
}

void engine_refs_close(calib *k)
{
    struct engine_refs *e = k->engine;
    if (!e)
        return;
    unlink(e->small);
    unlink(e->big);
    unlink(e->two);
    unlink(e->one);
    unlink(e->relay);
    unlink(e->relay_one);
    rmdir(e->dir);
    free(e);
    k->engine = NULL;
}

/* decode: reading the short reference trace, the serial engine's loop
 * without its objects and allocator; per event, by the CPU clock (a
 * repetition is long enough for its read not to matter, and a
 * descheduled one is not counted). */
void measure_decode(calib *k)
{
    struct engine_refs *e = k->engine;
    double v[CALIB_MAX_REPS];
    char err[256];
    for (int r = 0; r < k->reps; r++) {
        hk_trace_reader *rd = hk_trace_open(e->small, err, sizeof err);
        if (!rd)
            calib_die("%s", err);
        hk_event ev;
        uint64_t n = 0, t0 = calib_cpu_ns();
        while (hk_trace_read(rd, &ev) == 1) {
            hk_os_follow_clock(ev.time_ns);
            n++;
        }
        v[r] = ((double)(calib_cpu_ns() - t0) - k->cpu_timer_ns) / (double)n;
        hk_trace_close_reader(rd);
    }
    calib_settle(k, HK_COST_DECODE, v);
}

static void subtract(uint64_t *into, const uint64_t *from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        into[i] -= from[i];
}

/* The window's time less what the model prices the allocator's and the
 * kernel's part at (every term but the engine's own), in ns. */
static double engine_ns(const calib *k, window *w, const hk_replay_stats *st,
                        int serial)
{
    subtract((uint64_t *)&w->s.total, (const uint64_t *)&w->s0.total,
             sizeof w->s.total / sizeof(uint64_t));
    subtract((uint64_t *)&w->s.large, (const uint64_t *)&w->s0.large,
             sizeof w->s.large / sizeof(uint64_t));
    subtract(w->os.calls, w->os0.calls, HK_OS_CALLS);
    hk_replay_stats rs = *st;
    rs.peak_live = 0; /* the engine's own faults are among those counted */
    uint64_t counts[HK_COST_TERMS];
    hk_cost_count(&(hk_cost_inputs){
                      .alloc = &w->s.total,
                      .large = &w->s.large,
                      .os = &w->os,
                      .replay = &rs,
                      .serial = serial,
                      .page_faults = (uint64_t)w->faults,
                  },
                  counts);
    static const enum hk_cost_term own[] = {
        HK_COST_START, HK_COST_START_THREADS, HK_COST_DECODE,
        HK_COST_OBJECT_TABLE, HK_COST_DISPATCH,
        HK_COST_HANDOFF, HK_COST_THREAD, HK_COST_TOUCH_WRITE,
        HK_COST_TOUCH_BYTE};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        counts[own[i]] = 0;
    hk_cost model;
    memset(&model, 0, sizeof model);
    memcpy(model.ns, k->ns, sizeof model.ns);
    return (double)w->t - k->cpu_timer_ns -
           hk_cost_predict(&model, counts, NULL);
}

/* In a process of its own, the engine's ns on `path` (see the top). */
static double fresh_run(const calib *k, const char *path, int serial,
                        const hk_replay_stats *st)
{
    int fd[2];
    if (pipe(fd) < 0)
        calib_die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        calib_die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        window w = {0};
        hk_replay_stats got;
        if (serial)
            replay_serial(path, &w, &got);
        else
            replay_threads(path, &w);
        double ns = engine_ns(k, &w, st, serial);
        _exit(write(fd[1], &ns, sizeof ns) == sizeof ns ? 0 : 1);
    }
    close(fd[1]);
    double ns;
    ssize_t n = read(fd[0], &ns, sizeof ns);
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != sizeof ns || !WIFEXITED(status) || WEXITSTATUS(status))
        calib_die("a replay of %s failed", path);
    return ns;
}

/* Runs in processes of their own are slow to start: half the
 * repetitions. */
static int fresh_reps(const calib *k)
{
    return k->reps / 2 > 3 ? k->reps / 2 : 3;
}

/* start, start_threads, object_table, dispatch: see the top. */
void measure_engines(calib *k)
{
    struct engine_refs *e = k->engine;
    double n0 = (double)e->stats_small.events,
           n1 = (double)e->stats_big.events;
    double vs[CALIB_MAX_REPS], vt[CALIB_MAX_REPS], vo[CALIB_MAX_REPS],
        vd[CALIB_MAX_REPS];
    int reps = fresh_reps(k);
    for (int r = 0; r < reps; r++) {
        double t0 = fresh_run(k, e->small, 0, &e->stats_small);
        double t1 = fresh_run(k, e->big, 0, &e->stats_big);
        double s0 = fresh_run(k, e->small, 1, &e->stats_small);
        double s1 = fresh_run(k, e->big, 1, &e->stats_big);
        double dispatch = (t1 - t0) / (n1 - n0);
        double serial = (s1 - s0) / (n1 - n0);
        vd[r] = dispatch;
        vo[r] = serial - k->ns[HK_COST_DECODE];
        vt[r] = t0 - n0 * dispatch;
        vs[r] = s0 - n0 * serial;
    }
    k->ns[HK_COST_START] = hk_median(vs, (size_t)reps);
    k->ns[HK_COST_START_THREADS] = hk_median(vt, (size_t)reps);
    k->ns[HK_COST_OBJECT_TABLE] = hk_median(vo, (size_t)reps);
    k->ns[HK_COST_DISPATCH] = hk_median(vd, (size_t)reps);
}

/* handoff: see the top. */
void measure_handoff(calib *k)
{
    struct engine_refs *e = k->engine;
    const hk_replay_stats *st = &e->stats_two;
    if (!st->handoffs)
        calib_die("the two-thread reference trace hands off no object");
    double v[CALIB_MAX_REPS];
    int reps = fresh_reps(k);
    for (int r = 0; r < reps; r++)
        v[r] = (fresh_run(k, e->two, 0, st) -
                fresh_run(k, e->one, 0, &e->stats_one)) /
               (double)st->handoffs;
    k->ns[HK_COST_HANDOFF] = hk_median(v, (size_t)reps);
}

/* thread: see the top. */
void measure_thread(calib *k)
{
    struct engine_refs *e = k->engine;
    double v[CALIB_MAX_REPS];
    int reps = fresh_reps(k);
    for (int r = 0; r < reps; r++)
        v[r] = (fresh_run(k, e->relay, 0, &e->stats_relay) -
                fresh_run(k, e->relay_one, 0, &e->stats_relay_one)) /
               (RELAY_THREADS - 1);
    k->ns[HK_COST_THREAD] = hk_median(v, (size_t)reps);
}

/* touch_write: a byte written in each 4 KiB page of a warm buffer on
 * huge pages (no TLB miss), as the engines do for touch=pages, per
 * write; touch_byte: memset of its pages, per byte; copy_byte: memcpy
 * of a large block (half a MiB, as large blocks grow by realloc) to
 * another, per byte. */
void measure_touch(calib *k)
{
    size_t bytes = (size_t)TOUCH_PAGES * HK_OS_PAGE;
    unsigned char *buf = (unsigned char *)calib_map_aligned(
        bytes, (size_t)2 << 20, MADV_HUGEPAGE);
    unsigned char *from = (unsigned char *)calib_map_aligned(
        2 * COPY_BYTES, (size_t)2 << 20, MADV_HUGEPAGE);
    memset(buf, 1, bytes);
    memset(from, 1, 2 * COPY_BYTES);
    double vw[CALIB_MAX_REPS], vb[CALIB_MAX_REPS], vc[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        uint64_t t0 = calib_now_ns();
        for (size_t round = 0; round < TOUCH_ROUNDS; round++)
            for (size_t i = 0; i < TOUCH_PAGES; i++) {
                /* a line of each page, in every cache set in turn */
                buf[i * HK_OS_PAGE + (i + round) % 64 * 64] = 0xa5;
                calib_use(buf);
            }
        uint64_t t1 = calib_now_ns();
        for (size_t i = 0; i < TOUCH_PAGES; i++) {
            memset(buf + i * HK_OS_PAGE, 0xa5, HK_OS_PAGE);
            calib_use(buf);
        }
        uint64_t t2 = calib_now_ns();
        memcpy(from + COPY_BYTES, from, COPY_BYTES);
        calib_use(from);
        uint64_t t3 = calib_now_ns();
        vw[r] = ((double)(t1 - t0) - k->timer_ns) /
                ((double)TOUCH_ROUNDS * TOUCH_PAGES);
        vb[r] = ((double)(t2 - t1) - k->timer_ns) / (double)bytes;
        vc[r] = ((double)(t3 - t2) - k->timer_ns) / (double)COPY_BYTES;
    }
    munmap(buf, bytes);
    munmap(from, 2 * COPY_BYTES);
    calib_settle(k, HK_COST_TOUCH_WRITE, vw);
    calib_settle(k, HK_COST_TOUCH_BYTE, vb);
    calib_settle(k, HK_COST_COPY_BYTE, vc);
}
