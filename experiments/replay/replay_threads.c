/*
 * replay_threads.c - the threaded replay engine.
 *
 * Why it cannot deadlock.  Number the ops by their events' places in the
 * trace.  A thread performs its ops in increasing order, and every wait is
 * for one op with a smaller number: an op waits for the op on its slot
 * just before it, a thread's first op also for the op just before it in
 * the trace and, on hakmem, for the threads whose last ops come before it
 * to park their heaps, which each does right after its last op
 * (replay_plan.h).  Those ops exist, because the plan was loaded
 * from a trace that was checked to be satisfiable in trace order.  Suppose
 * the unfinished threads all waited for good, and take the waiting op with
 * the smallest number, e, waiting for d < e, an op of thread T.  T has not
 * performed d, so T is stopped at d or at an op before it: a waiting op
 * numbered below e, which contradicts the choice of e.  So some thread can
 * always go on.  Nothing else blocks for long: the start gate opens once
 * every thread is made, and the allocator holds its locks for bounded
 * time.
 *
 * Waiting for an op spins briefly (the op awaited is often being
 * performed that moment), then yields, then sleeps in doubling steps up
 * to WAIT_SLEEP_MAX_NS, so that threads whose turn is far off leave the
 * cores to those that can work.  A thread waiting for its first op, whose
 * turn is often far off, does not poll, nor does it wait at the gate: the
 * thread performing the op before it wakes it (replay_plan.h).  On a
 * virtual machine each sleep of a poll, and each thread woken as the gate
 * opened, cost the CPU it woke on microseconds of the kernel's time and
 * the thread it displaced a context switch: a recording of
 * `thread_churn -w 500` (2,001 threads) took 151 s of CPU time to
 * replay polling, and takes 0.22 s.
 *
 * The clock (hakmem only).  With one trace thread the backend's clock
 * takes every event's time, as in the serial engine, so that the two make
 * the same system calls.  With several, each thread runs at its own pace,
 * and a clock set by each to its own event's time would go back and
 * forth; the allocator's purge timers would read a step back as a long
 * delay past.  So the clock only goes forward, to the latest time a
 * thread has reached, in steps of at least CLOCK_STEP_NS (a small part of
 * any delay a policy counts in milliseconds), under a try-lock that a
 * thread finding it busy skips.
 */
#define _GNU_SOURCE
#include "experiments/replay/replay_threads.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_SPINS 256
#define WAIT_YIELDS 64
#define WAIT_SLEEP_MAX_NS 1000000
#define CLOCK_STEP_NS 100000

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

enum gate { GATE_CLOSED, GATE_OPEN, GATE_CANCELLED };

typedef struct run {
    hk_replay_slot *slots;
    hk_allocator *a; /* NULL: the malloc family */
    enum hk_touch touch;
    int every_event; /* one trace thread: the clock takes each time */
    /* Else the latest time given to the backend, on a line of its own:
     * the fields above are read at every op. */
    _Alignas(64) _Atomic uint64_t clock;
    atomic_flag clock_busy;
    pthread_mutex_t lock; /* the start gate, and the heaps parked: */
    pthread_cond_t cond;
    uint32_t arrived;     /* threads waiting at it */
    _Atomic(enum gate) gate; /* set under the lock; threads that do not
                              * wait at the gate read it without */
    uint32_t parked;      /* threads whose heaps are parked */
} run;

typedef struct worker {
    run *run;
    const hk_replay_thread *t;
    struct worker *all;      /* every thread's, indexed as plan->threads */
    const uint32_t *wake;    /* the threads this one starts, in op order, */
    const uint32_t *wake_end; /* up to here */
    const hk_replay_op *wake_at; /* the op after which it wakes *wake */
    sem_t turn;              /* posted when its first op may run */
    pthread_t id;
    int started; /* id is a thread to join */
    uint64_t failed;
} worker;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void await_slow(const hk_replay_slot *s,
                                                 uint64_t done)
{
    struct timespec nap = {0, 1000};
    for (unsigned tries = 0;
         atomic_load_explicit(&s->done, memory_order_acquire) < done;
         tries++) {
        if (tries < WAIT_SPINS) {
            cpu_relax();
        } else if (tries < WAIT_SPINS + WAIT_YIELDS) {
            sched_yield();
        } else {
            nanosleep(&nap, NULL);
            if (nap.tv_nsec < WAIT_SLEEP_MAX_NS)
                nap.tv_nsec *= 2;
        }
    }
}

/* Return once `done` ops have been performed on slot s. */
static inline void await(const hk_replay_slot *s, uint64_t done)
{
    if (__builtin_expect(
            atomic_load_explicit(&s->done, memory_order_acquire) < done, 0))
        await_slow(s, done);
}

static void clock_follow(run *r, uint64_t t)
{
    if (r->every_event) {
        hk_os_follow_clock(t);
        return;
    }
    if (t < atomic_load_explicit(&r->clock, memory_order_relaxed) +
                CLOCK_STEP_NS ||
        atomic_flag_test_and_set_explicit(&r->clock_busy,
                                          memory_order_acquire))
        return;
    if (t > atomic_load_explicit(&r->clock, memory_order_relaxed)) {
        atomic_store_explicit(&r->clock, t, memory_order_relaxed);
        hk_os_follow_clock(t);
    }
    atomic_flag_clear_explicit(&r->clock_busy, memory_order_release);
}

static inline void born(worker *w, hk_replay_slot *s, void *p, uint64_t size)
{
    if (!p)
        w->failed++;
    hk_replay_use_block(w->run->touch, p, size);
    s->p = p;
    s->size = size;
}

static void *system_aligned(uint8_t align_log2, uint64_t size)
{
    size_t align = (size_t)1 << align_log2;
    void *p;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

/* Wait until the op before the thread's first in trace order is done
 * (1), or the replay is cancelled (0). */
static int await_turn(worker *w)
{
    const hk_replay_slot *s = &w->run->slots[w->t->start_slot];
    while (atomic_load_explicit(&s->done, memory_order_acquire) <
           w->t->start_done) {
        if (atomic_load_explicit(&w->run->gate, memory_order_acquire) ==
            GATE_CANCELLED)
            return 0;
        while (sem_wait(&w->turn) < 0 && errno == EINTR)
            ;
    }
    return 1;
}

/* The next thread w starts, if any, waits for the op at wake_at. */
static void aim_wake(worker *w)
{
    w->wake_at = w->wake < w->wake_end
                     ? w->t->ops + w->all[*w->wake].t->starter_op
                     : NULL;
}

/* wake_at is done: its thread may begin. */
static __attribute__((noinline)) void wake_next(worker *w)
{
    sem_post(&w->all[*w->wake].turn);
    w->wake++;
    aim_wake(w);
}

/* Wait until the heaps of the threads that ended before this one began
 * in the trace are parked, so that it may take one (replay_plan.h). */
static void await_parked(worker *w)
{
    run *r = w->run;
    pthread_mutex_lock(&r->lock);
    while (r->parked < w->t->ends_before)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

/* The thread's last op is done: park its heap, as a thread that exits
 * does, and let the threads waiting for that begin. */
static void park(run *r, hk_heap *h)
{
    hk_heap_park(h);
    pthread_mutex_lock(&r->lock);
    r->parked++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* A thread's ops; `direct` is a constant, so each allocator gets a loop
 * of its own with nothing of the other's in it. */
static inline __attribute__((always_inline)) void replay_ops(worker *w,
                                                            int direct)
{
    run *r = w->run;
    hk_allocator *a = r->a;
    hk_heap *h = NULL;
    const hk_replay_op *op = w->t->ops, *end = op + w->t->count;

    if (direct) {
        await(&r->slots[op->slot], op->seq);
        await_parked(w);
        clock_follow(r, op->time_ns);
        if (!(h = hk_heap_create(a))) {
            fprintf(stderr, "hakmem replay: no memory for the heap of "
                    "trace thread %u\n", w->t->number);
            exit(1);
        }
    }
    for (; op < end; op++) {
        hk_replay_slot *s = &r->slots[op->slot];
        void *p;
        await(s, op->seq);
        if (direct)
            clock_follow(r, op->time_ns);
        switch (op->kind) {
        case HK_EV_MALLOC:
            p = direct ? hk_malloc_fast(a, h, op->size) : malloc(op->size);
            born(w, s, p, op->size);
            break;
        case HK_EV_CALLOC:
            p = direct ? hk_alloc_calloc(a, h, 1, op->size)
                       : calloc(1, op->size);
            born(w, s, p, op->size);
            break;
        case HK_EV_ALIGNED:
            p = direct ? hk_alloc_aligned(a, h, (size_t)1 << op->align_log2,
                                          op->size)
                       : system_aligned(op->align_log2, op->size);
            born(w, s, p, op->size);
            break;
        case HK_EV_REALLOC:
            p = direct ? hk_alloc_realloc(a, h, s->p, op->size)
                       : realloc(s->p, op->size);
            if (!p && op->size) {
                w->failed++;
                break;
            }
            if (op->size > s->size)
                hk_replay_use_block(r->touch, (unsigned char *)p + s->size,
                          op->size - s->size);
            s->p = p;
            s->size = op->size;
            break;
        case HK_EV_FREE:
            if (direct)
                hk_free_fast(a, h, s->p);
            else
                free(s->p);
            break;
        }
        atomic_store_explicit(&s->done, op->seq + 1, memory_order_release);
        if (__builtin_expect(op == w->wake_at, 0))
            wake_next(w);
    }
    if (direct && w->t->number != 0)
        park(r, h);
}

static __attribute__((noinline)) void replay_direct(worker *w)
{
    replay_ops(w, 1);
}

static __attribute__((noinline)) void replay_system(worker *w)
{
    replay_ops(w, 0);
}

static void replay(worker *w)
{
    if (w->run->a)
        replay_direct(w);
    else
        replay_system(w);
}

/* A started thread: arrive at the gate, and wait for it to open if the
 * thread's first op is the trace's (the others wait for their turn
 * alone); 0 if the gate was cancelled. */
static int gate_pass(worker *w)
{
    run *r = w->run;
    pthread_mutex_lock(&r->lock);
    r->arrived++;
    pthread_cond_broadcast(&r->cond);
    while (r->gate == GATE_CLOSED && !w->t->start_done)
        pthread_cond_wait(&r->cond, &r->lock);
    int cancelled = r->gate == GATE_CANCELLED;
    pthread_mutex_unlock(&r->lock);
    return !cancelled;
}

/* Once n threads wait at the gate, call started(ctx) if opening, and
 * open or cancel it. */
static void gate_set(run *r, uint32_t n, enum gate g,
                     void (*started)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&r->lock);
    while (r->arrived < n)
        pthread_cond_wait(&r->cond, &r->lock);
    if (g == GATE_OPEN && started)
        started(ctx);
    atomic_store_explicit(&r->gate, g, memory_order_release);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* Give each worker the threads it starts: order gets, per worker, the
 * indexes of the threads whose start ops are its own, in the order of
 * those ops (the plan lists threads by their first ops, so the same);
 * at has room for n + 1 counts, zeroed. */
static void plan_wakes(worker *ws, uint32_t n, uint32_t *order, uint32_t *at)
{
    for (uint32_t i = 0; i < n; i++)
        if (ws[i].t->start_done)
            at[ws[i].t->starter + 1]++;
    for (uint32_t i = 0; i < n; i++) {
        at[i + 1] += at[i];
        ws[i].wake = order + at[i];
        ws[i].wake_end = order + at[i + 1];
    }
    for (uint32_t i = 0; i < n; i++)
        if (ws[i].t->start_done)
            order[at[ws[i].t->starter]++] = i;
    for (uint32_t i = 0; i < n; i++)
        aim_wake(&ws[i]);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    if (gate_pass(w) && await_turn(w))
        replay(w);
    return NULL;
}

int hk_replay_threads(hk_replay_plan *plan, hk_allocator *a,
                      enum hk_touch touch, void (*started)(void *ctx),
                      void *ctx, hk_replay_result *out, char *err,
                      size_t errlen)
{
    run r = {
        .slots = plan->slots,
        .a = a,
        .touch = touch,
        .every_event = plan->nthreads == 1,
        .clock_busy = ATOMIC_FLAG_INIT,
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
        .gate = GATE_CLOSED,
    };
    uint32_t n = plan->nthreads;
    worker *ws = calloc(n ? n : 1, sizeof *ws);
    uint32_t *wakes = calloc(2 * (size_t)n + 1, sizeof *wakes);
    worker *main_thread = NULL; /* trace thread 0, run by the caller */
    uint32_t nstarted = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!ws || !wakes) {
        free(ws);
        free(wakes);
        snprintf(err, errlen, "out of memory for %u threads", n);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        ws[i].run = &r;
        ws[i].t = &plan->threads[i];
        ws[i].all = ws;
        sem_init(&ws[i].turn, 0, 0);
    }
    plan_wakes(ws, n, wakes, wakes + n);
    if (a)
        hk_os_follow_clock(0);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        worker *w = &ws[i];
        if (w->t->number == 0) {
            main_thread = w;
        } else if ((rc = pthread_create(&w->id, NULL, worker_main, w))) {
            snprintf(err, errlen, "cannot start a thread for trace thread "
                     "%u (%u threads): %s", w->t->number, plan->nthreads,
                     strerror(rc));
        } else {
            w->started = 1;
            nstarted++;
        }
    }
    gate_set(&r, nstarted, rc ? GATE_CANCELLED : GATE_OPEN, started, ctx);
    for (uint32_t i = 0; rc && i < n; i++)
        sem_post(&ws[i].turn); /* the threads waiting for their turns */
    uint64_t t0 = now_ns();
    if (!rc && main_thread && await_turn(main_thread))
        replay(main_thread);
    for (uint32_t i = 0; i < n; i++)
        if (ws[i].started)
            pthread_join(ws[i].id, NULL);
    out->wall_ns = now_ns() - t0;
    for (uint32_t i = 0; i < n; i++) {
        out->failed += ws[i].failed;
        sem_destroy(&ws[i].turn);
    }
    out->os_threads = nstarted + (main_thread != NULL);
    free(wakes);
    free(ws);
    pthread_cond_destroy(&r.cond);
    pthread_mutex_destroy(&r.lock);
    return rc ? -1 : 0;
}
