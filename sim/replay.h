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
#include "core/usage.h"
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
    /* What the engine itself did, for the cost model: */
    uint64_t touch_writes; /* single-byte writes (touch=first, pages) */
    uint64_t touch_bytes;  /* bytes written by touch=all */
    uint64_t handoffs;     /* events on an object another thread had last */
    uint64_t copied_bytes; /* by reallocs that moved: the smaller size */
    uint64_t peak_live;    /* objects live at once, at most */
    /* The simulation's only (0 on the real backend): bytes live at once,
     * at most, as asked for, rounded to size classes, and class by class
     * (footprint.h). */
    uint64_t peak_live_bytes, peak_class_bytes, class_peaks_bytes;
    /* Where the allocator's memory was when the resident set last grew
     * by over HK_REPLAY_PEAK_STEP of itself, within that of its peak, and
     * that resident set (the simulation's only). */
    hk_usage at_peak;
    uint64_t at_peak_rss_bytes;
} hk_replay_stats;

#define HK_REPLAY_PEAK_STEP 100 /* a hundredth */

/* What the program does with a new block of size bytes at p, as the
 * touch mode says (and reported to the model); shared by every engine. */
void hk_replay_use_block(enum hk_touch touch, void *p, uint64_t size);

/* The writes and bytes hk_replay_use_block() makes for a block, added to
 * st's touch counts. */
void hk_replay_count_use(enum hk_touch touch, const void *p, uint64_t size,
                         hk_replay_stats *st);

/* 0, or -1 with "FILE: byte N: what" in err.  started(ctx), if given, is
 * called once the trace has been scanned, just before the first event:
 * a measurement of the replay starts there. */
int hk_replay(hk_allocator *a, const char *path, enum hk_touch touch,
              void (*started)(void *ctx), void *ctx, hk_replay_stats *out,
              char *err, size_t errlen);

#ifdef HK_OS_SIM
/* Which real engine's own memory the simulated replay stands in for, in
 * the data cache model: the serial one's (the default) or the threaded
 * one's. */
void hk_replay_model_engine(int serial);
#endif

#endif
