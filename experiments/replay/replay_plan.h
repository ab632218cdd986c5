/*
 * replay_plan.h - a trace loaded for replay on real threads: each trace
 * thread's events in trace order, as compact records, and the slots
 * through which threads hand objects to one another.
 *
 * Loading reads the trace once and checks all of it (framing, checksums,
 * frees and reallocs of ids that are not live, allocations of live ids)
 * before anything runs, so every dependency in a loaded plan is satisfied
 * by an event earlier in the trace.  Memory is O(events): 32 bytes an
 * event, plus 24 bytes a slot.  The ops and the slots are mapped directly,
 * not taken from malloc: under `--allocator system` malloc is the
 * allocator being measured, and the plan must neither warm its heap nor
 * count in its footprint.
 *
 * Slots.  An object occupies a slot from its allocation to its free; a
 * slot emptied by a thread's free is reused by that thread's next
 * allocation, so there are about as many slots as objects live at once
 * (up to one per allocation where threads mostly free what others
 * allocated).
 * An op names its slot and `seq`, the number of ops on that slot before
 * it in trace order.  A slot's `done` counts the ops performed on it: an
 * op may run once done == seq, and after writing the slot's pointer and
 * size it publishes done = seq + 1 (release; the waiter reads with
 * acquire).  So an op waits for exactly one op, the one on its slot just
 * before it in trace order; that op is most often the same thread's (the
 * object's allocation, or the free that emptied the slot), and then the
 * wait costs one load.
 *
 * Running a plan advances the slots' counters; hk_replay_plan_rewind()
 * sets them back, so that it can run again.
 */
#ifndef HK_REPLAY_PLAN_H
#define HK_REPLAY_PLAN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/replay.h"

typedef struct hk_replay_op {
    uint64_t size;      /* bytes asked for; 0 for FREE */
    uint64_t time_ns;   /* the trace's clock */
    uint64_t seq;       /* ops on this slot before this one */
    uint32_t slot;
    uint8_t kind;       /* enum hk_ev_kind */
    uint8_t align_log2; /* ALIGNED only */
} hk_replay_op;

typedef struct hk_replay_slot {
    _Atomic uint64_t done; /* ops performed on this slot */
    void *p;               /* the object, as its allocator returned it */
    uint64_t size;         /* its size, as the trace says */
} hk_replay_slot;

/* A thread's first op waits for the op just before it in trace order,
 * which another thread performs, often much later than the replay's
 * start: that thread then wakes it (starter, starter_op), so that it does
 * not poll for its turn meanwhile.  On hakmem it also waits for the
 * threads whose last ops come before its first in the trace to park
 * their heaps (all but trace thread 0, which keeps its heap, as a main
 * thread does): a thread that ended then may still be at its last ops,
 * and the new one would make a heap where the serial engine, and so the
 * simulation, reuses that one. */
typedef struct hk_replay_thread {
    uint32_t number;     /* the trace's thread number */
    uint32_t start_slot; /* begin once slots[start_slot].done >= */
    uint64_t start_done; /* start_done (0 for the trace's first thread) */
    uint32_t starter;    /* the index of the thread performing that op, */
    uint64_t starter_op; /* and the op's among that thread's ops */
    uint32_t ends_before; /* threads whose heaps park before it begins */
    uint64_t count;
    uint64_t cap;        /* ops mapped */
    hk_replay_op *ops;   /* in trace order */
} hk_replay_thread;

typedef struct hk_replay_plan {
    hk_replay_thread *threads; /* in order of first appearance */
    uint32_t nthreads;
    hk_replay_slot *slots;
    uint64_t nslots;
    hk_replay_stats stats; /* of the trace; `failed` is the run's to fill */
} hk_replay_plan;

/* 0, or -1 with "FILE: byte N: what" (or "FILE: what") in err. */
int hk_replay_plan_load(hk_replay_plan *plan, const char *path, char *err,
                        size_t errlen);

/* Every slot as loaded: no op performed yet. */
void hk_replay_plan_rewind(hk_replay_plan *plan);

void hk_replay_plan_free(hk_replay_plan *plan);

#endif
