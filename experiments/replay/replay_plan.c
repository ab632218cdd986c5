/*
 * replay_plan.c - loading a trace into a replay plan.
 *
 * One pass: every event goes through the trace checker first (the checks
 * and the summary `hakmem trace info` makes, so the two agree on what is
 * live at the end), then becomes an op of its thread.  While loading, a
 * map from each live id to its slot and each thread's stack of emptied
 * slots decide the slots; `slot_ops` counts the ops given to each slot so
 * far, which is the next op's `seq`.  The slots themselves are allocated
 * at the end and written zero (no op performed yet), so that no page of
 * the engine's own faults while the replay is timed: a fresh page first
 * read by a wait and then written faults twice, the zero page and then
 * its copy.  Each thread's first and last ops' places in the trace are
 * kept too: at the end they give every thread the threads whose heaps
 * park before it begins (ends_before), counted along the sorted last
 * places.
 */
#define _GNU_SOURCE
#include "experiments/replay/replay_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "traces/trace_check.h"

/* What loading keeps per thread beyond its ops. */
typedef struct lane {
    uint32_t *empty; /* slots this thread's frees emptied, a stack */
    uint64_t nempty, empty_cap;
    uint64_t first, last; /* its first and last ops' places in the trace */
} lane;

typedef struct loader {
    hk_replay_plan *plan;
    lane *lanes; /* parallel to plan->threads */
    uint64_t threads_cap, lanes_cap;
    hk_idmap *lane_of; /* thread number -> index in plan->threads */
    hk_idmap *slot_of; /* live id -> slot */
    uint64_t *slot_ops;
    uint64_t slot_cap;
    uint32_t last_number, last_lane;  /* the latest op added: its thread
                                       * (lane_of, cached), */
    uint32_t last_slot;               /* its slot, */
    uint64_t last_done;               /* and its seq + 1 (0: none yet) */
    uint64_t ops;                     /* ops added */
} loader;

/* The capacity, from *cap doubled, that holds `need` elements of `size`
 * bytes; 0 if that is too many bytes. */
static uint64_t grown_cap(uint64_t cap, uint64_t need, size_t size)
{
    uint64_t n = cap ? cap : 16;
    while (n < need)
        n *= 2;
    return n > SIZE_MAX / size ? 0 : n;
}

/* Make room for `need` elements in *arr, from malloc; 0 or -1. */
static int reserve(void **arr, uint64_t *cap, uint64_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    uint64_t n = grown_cap(*cap, need, size);
    void *grown = n ? realloc(*arr, n * size) : NULL;
    if (!grown)
        return -1;
    *arr = grown;
    *cap = n;
    return 0;
}

/* Zeroed memory of our own, never malloc's; NULL if none. */
static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* reserve(), in memory of our own. */
static int reserve_mapped(void **arr, uint64_t *cap, uint64_t need,
                          size_t size)
{
    if (need <= *cap)
        return 0;
    uint64_t n = grown_cap(*cap, need, size);
    void *grown = NULL;
    if (n && *arr)
        grown = mremap(*arr, *cap * size, n * size, MREMAP_MAYMOVE);
    else if (n)
        grown = map_zeroed(n * size);
    if (!grown || grown == MAP_FAILED)
        return -1;
    *arr = grown;
    *cap = n;
    return 0;
}

/* The index of thread `number`, added on its first event; -1: no memory. */
static int64_t lane_index(loader *ld, uint32_t number)
{
    hk_replay_plan *plan = ld->plan;
    int found;
    if (plan->nthreads && number == ld->last_number)
        return ld->last_lane;
    uintptr_t i = (uintptr_t)hk_idmap_get(ld->lane_of, number, &found);
    if (!found) {
        i = plan->nthreads;
        uint64_t starter_op =
            ld->last_done ? plan->threads[ld->last_lane].count - 1 : 0;
        if (reserve((void **)&plan->threads, &ld->threads_cap, i + 1,
                    sizeof *plan->threads) < 0 ||
            reserve((void **)&ld->lanes, &ld->lanes_cap, i + 1,
                    sizeof *ld->lanes) < 0)
            return -1;
        plan->threads[i] = (hk_replay_thread){
            .number = number,
            .start_slot = ld->last_slot,
            .start_done = ld->last_done,
            .starter = ld->last_lane,
            .starter_op = starter_op,
        };
        ld->lanes[i] = (lane){.first = ld->ops};
        hk_idmap_insert(ld->lane_of, number, (void *)i);
        plan->nthreads++;
    }
    ld->last_number = number;
    ld->last_lane = (uint32_t)i;
    return (int64_t)i;
}

/* The slot of a new object of lane l: one it emptied, or a fresh one.
 * -1: no memory, or more than 2^32 - 1 slots. */
static int64_t take_slot(loader *ld, lane *l)
{
    if (l->nempty)
        return l->empty[--l->nempty];
    hk_replay_plan *plan = ld->plan;
    if (plan->nslots == UINT32_MAX ||
        reserve((void **)&ld->slot_ops, &ld->slot_cap, plan->nslots + 1,
                sizeof *ld->slot_ops) < 0)
        return -1;
    ld->slot_ops[plan->nslots] = 0;
    return (int64_t)plan->nslots++;
}

/* Turn a checked event into an op; 0, or -1 when out of memory. */
static int add_op(loader *ld, const hk_event *ev)
{
    int64_t i = lane_index(ld, ev->thread);
    if (i < 0)
        return -1;
    hk_replay_thread *t = &ld->plan->threads[i];
    lane *l = &ld->lanes[i];
    int found;
    int64_t slot;
    switch (ev->kind) {
    case HK_EV_REALLOC:
        slot = (intptr_t)hk_idmap_get(ld->slot_of, ev->id, &found);
        break;
    case HK_EV_FREE:
        slot = (intptr_t)hk_idmap_remove(ld->slot_of, ev->id, &found);
        if (reserve((void **)&l->empty, &l->empty_cap, l->nempty + 1,
                    sizeof *l->empty) < 0)
            return -1;
        l->empty[l->nempty++] = (uint32_t)slot;
        break;
    default:
        if ((slot = take_slot(ld, l)) < 0)
            return -1;
        hk_idmap_insert(ld->slot_of, ev->id, (void *)(intptr_t)slot);
        break;
    }
    if (reserve_mapped((void **)&t->ops, &t->cap, t->count + 1,
                       sizeof *t->ops) < 0)
        return -1;
    t->ops[t->count++] = (hk_replay_op){
        .size = ev->size,
        .time_ns = ev->time_ns,
        .seq = ld->slot_ops[slot]++,
        .slot = (uint32_t)slot,
        .kind = ev->kind,
        .align_log2 = ev->align ? (uint8_t)__builtin_ctzll(ev->align) : 0,
    };
    ld->last_slot = (uint32_t)slot;
    ld->last_done = ld->slot_ops[slot];
    l->last = ld->ops++;
    return 0;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Each thread's ends_before: the threads that park (all but trace thread
 * 0) whose last ops come before its first; 0, or -1 when out of memory. */
static int count_ends(loader *ld)
{
    hk_replay_plan *plan = ld->plan;
    uint64_t *ends = malloc((plan->nthreads + 1) * sizeof *ends);
    if (!ends)
        return -1;
    size_t n = 0;
    for (uint32_t i = 0; i < plan->nthreads; i++)
        if (plan->threads[i].number != 0)
            ends[n++] = ld->lanes[i].last;
    qsort(ends, n, sizeof *ends, by_value);
    /* Threads are listed by their first ops, so those only grow. */
    size_t ended = 0;
    for (uint32_t i = 0; i < plan->nthreads; i++) {
        while (ended < n && ends[ended] < ld->lanes[i].first)
            ended++;
        plan->threads[i].ends_before = (uint32_t)ended;
    }
    free(ends);
    return 0;
}

static void summarize(hk_replay_plan *plan, const hk_trace_stats *s,
                      const hk_trace_reader *r, uint64_t last_time)
{
    hk_replay_stats *st = &plan->stats;
    st->events = s->events;
    memcpy(st->by_kind, s->by_kind, sizeof st->by_kind);
    st->threads = s->threads;
    st->live_end = s->live_objects;
    st->live_bytes_end = s->live_bytes;
    st->checksum = hk_trace_checksum(r);
    st->duration_ns = last_time;
}

/* Where loading stands: hk_trace_read's 1, 0 and -1, and two more. */
enum { READING = 1, READ = 0, BAD_FILE = -1, NO_MEMORY = -2, BAD_EVENT = -3 };

int hk_replay_plan_load(hk_replay_plan *plan, const char *path, char *err,
                        size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    loader ld = {.plan = plan};
    hk_trace_reader *r = hk_trace_open(path, err, errlen);
    if (!r)
        return -1;
    hk_trace_check *check = hk_check_create();
    ld.lane_of = hk_idmap_create();
    ld.slot_of = hk_idmap_create();
    int state = check && ld.lane_of && ld.slot_of ? READING : NO_MEMORY;
    hk_event ev;
    uint64_t last_time = 0;
    char what[256];
    while (state == READING && (state = hk_trace_read(r, &ev)) == READING) {
        if (hk_check_event(check, &ev, what, sizeof what) < 0) {
            snprintf(err, errlen, "%s: byte %llu: %s", path,
                     (unsigned long long)ev.offset, what);
            state = BAD_EVENT;
        } else if (add_op(&ld, &ev) < 0) {
            state = NO_MEMORY;
        }
        last_time = ev.time_ns;
    }
    if (state == READ &&
        ((plan->nslots &&
          !(plan->slots = map_zeroed(plan->nslots * sizeof *plan->slots))) ||
         count_ends(&ld) < 0))
        state = NO_MEMORY;
    if (state == READ) {
        hk_replay_plan_rewind(plan);
        summarize(plan, hk_check_stats(check), r, last_time);
    } else if (state == BAD_FILE) {
        snprintf(err, errlen, "%s", hk_trace_error(r));
    } else if (state == NO_MEMORY) {
        snprintf(err, errlen, "%s: out of memory", path);
    }
    for (uint64_t i = 0; i < plan->nthreads; i++)
        free(ld.lanes[i].empty);
    free(ld.lanes);
    free(ld.slot_ops);
    hk_idmap_destroy(ld.slot_of);
    hk_idmap_destroy(ld.lane_of);
    hk_check_destroy(check);
    hk_trace_close_reader(r);
    if (state != READ)
        hk_replay_plan_free(plan);
    return state == READ ? 0 : -1;
}

void hk_replay_plan_rewind(hk_replay_plan *plan)
{
    if (plan->slots)
        memset(plan->slots, 0, plan->nslots * sizeof *plan->slots);
}

void hk_replay_plan_free(hk_replay_plan *plan)
{
    for (uint64_t i = 0; i < plan->nthreads; i++)
        if (plan->threads[i].ops)
            munmap(plan->threads[i].ops,
                   plan->threads[i].cap * sizeof(hk_replay_op));
    if (plan->slots)
        munmap(plan->slots, plan->nslots * sizeof *plan->slots);
    free(plan->threads);
    memset(plan, 0, sizeof *plan);
}
