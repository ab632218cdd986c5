/*
 * replay.h - drive an allocator with a trace, one event at a time.
 *
 * The engine knows nothing of its backend: compiled against the simulated
 * one it is `hakmem sim`, against the real one it is the single-threaded
 * `hakmem replay --allocator hakmem`.  Both read the trace's clock through
 * the seam, so they take the same decisions.  Each trace thread gets a
 * heap on its first event; a thread other than the first exits (its heap
 * is destroyed, as at pthread exit) after its last event, the first one
 * lives to the end like a program's main thread.
 */
#ifndef HK_REPLAY_H
#define HK_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "touch.h"
#include "traces/trace.h"

typedef struct hk_replay_stats {
    uint64_t events;
    uint64_t by_kind[HK_EV_KINDS];
    uint64_t threads;
    uint64_t failed;     /* allocations that returned NULL */
    uint64_t live_end;   /* objects live when the trace ends */
    uint64_t live_bytes_end;
    uint64_t checksum;   /* of the trace file */
    uint64_t duration_ns;
} hk_replay_stats;

/* What the program does with a new block of size bytes at p, as the
 * touch mode says (and reported to the model); shared by every engine. */
void hk_replay_use_block(enum hk_touch touch, void *p, uint64_t size);

/* 0, or -1 with "FILE: byte N: what" in err. */
int hk_replay(hk_allocator *a, const char *path, enum hk_touch touch,
              hk_replay_stats *out, char *err, size_t errlen);

#endif
