/*
 * replay_threads.h - run a replay plan on real threads: one OS thread per
 * trace thread, on hakmem's core directly or on the process's malloc
 * family (glibc's, or whichever allocator LD_PRELOAD put in front).
 *
 * Each thread performs its own ops in trace order; an op on an object
 * that another thread touched last waits for that thread (see
 * replay_plan.h).  Trace thread 0 runs on the calling thread and, like a
 * program's main thread, outlives the replay; every other trace thread
 * ends after its last op.  All threads start together; the time measured
 * runs from the start until the last one has ended.
 */
#ifndef HK_REPLAY_THREADS_H
#define HK_REPLAY_THREADS_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "sim/replay.h"
#include "experiments/replay/replay_plan.h"

typedef struct hk_replay_result {
    uint64_t wall_ns;
    uint64_t failed;     /* allocations that returned NULL */
    uint32_t os_threads; /* threads that ran ops, the caller's included */
} hk_replay_result;

/*
 * a: the allocator to drive, with a heap per trace thread, made on the
 * thread's first op; its backend's clock follows the trace.  NULL: call
 * malloc, calloc, realloc, posix_memalign and free.  Blocks are written
 * as `touch` says.  started(ctx), if given, is called once every thread
 * waits at the start, just before they go: a measurement of the replay
 * starts there.  0, or -1 with err filled when the threads could not be
 * started (nothing has run then).
 */
int hk_replay_threads(hk_replay_plan *plan, hk_allocator *a,
                      enum hk_touch touch, void (*started)(void *ctx),
                      void *ctx, hk_replay_result *out, char *err,
                      size_t errlen);

#endif
