/*
 * make_cross.c - writes the cross-thread trace of tests/replay/threads.sh.
 *
 * usage: make_cross [--orphan] FILE
 *
 * Three threads hand objects along, ROUNDS times: thread 0 allocates one,
 * thread 1 reallocates it right after in the trace, thread 2 frees it;
 * then thread 0 works alone (WORK events on objects of its own) and frees
 * the object thread 1 allocated for it in the round before.  Thread 1's
 * and thread 2's events thus come early in the trace relative to thread
 * 0's work, and a replay that let a thread run as far as its own events
 * go would free or resize objects not yet allocated.  The handed-over ids
 * are reused from round to round by different allocations.  At the end
 * LIVE_END objects are still live (malloc, calloc and aligned).  Events
 * are 10 ns apart.
 *
 * --orphan adds, in the middle of the trace, a free by thread 1 of an id
 * that is never allocated (ORPHAN_ID): a trace that can never be replayed.
 *
 * Exit status 0, or 1 with a message when the file cannot be written.
 */
#include <stdio.h>
#include <string.h>

#include "traces/trace.h"

#define ROUNDS 300
#define WORK 16
#define LIVE_END 10
#define ORPHAN_ID 424242

typedef struct writer {
    hk_trace_writer *w;
    uint64_t time_ns;
    int failed;
} writer;

static void put(writer *w, enum hk_ev_kind kind, uint32_t thread, uint64_t id,
                uint64_t size, uint64_t align)
{
    hk_event ev = {
        .kind = kind,
        .thread = thread,
        .id = id,
        .size = size,
        .align = align,
        .time_ns = w->time_ns,
    };
    w->time_ns += 10;
    if (hk_trace_write(w->w, &ev) < 0)
        w->failed = 1;
}

int main(int argc, char **argv)
{
    int orphan = argc == 3 && !strcmp(argv[1], "--orphan");
    if (argc != 2 + orphan) {
        fputs("usage: make_cross [--orphan] FILE\n", stderr);
        return 2;
    }
    const char *path = argv[argc - 1];
    char err[256];
    writer w = {hk_trace_create(path, "make_cross", err, sizeof err), 0, 0};
    if (!w.w) {
        fprintf(stderr, "make_cross: %s\n", err);
        return 1;
    }
    for (uint64_t r = 0; r < ROUNDS; r++) {
        uint64_t hand = 1000 + r % 3, back = 2000 + r % 2;
        put(&w, HK_EV_MALLOC, 0, hand, 24 + r, 0);
        put(&w, HK_EV_REALLOC, 1, hand, 200 + 7 * r, 0);
        put(&w, HK_EV_FREE, 2, hand, 0, 0);
        put(&w, HK_EV_MALLOC, 1, back, 48, 0);
        for (uint64_t k = 0; k < WORK / 2; k++)
            put(&w, HK_EV_MALLOC, 0, 10 + k, 16 * (k + 1), 0);
        for (uint64_t k = 0; k < WORK / 2; k++)
            put(&w, HK_EV_FREE, 0, 10 + k, 0, 0);
        if (r > 0)
            put(&w, HK_EV_FREE, 0, 2000 + (r - 1) % 2, 0, 0);
        if (orphan && r == ROUNDS / 2)
            put(&w, HK_EV_FREE, 1, ORPHAN_ID, 0, 0);
    }
    put(&w, HK_EV_FREE, 0, 2000 + (ROUNDS - 1) % 2, 0, 0);
    for (uint64_t k = 0; k < LIVE_END; k++)
        put(&w, k % 3 == 0 ? HK_EV_MALLOC
                : k % 3 == 1 ? HK_EV_CALLOC : HK_EV_ALIGNED,
            (uint32_t)(k % 3), 5000 + k, 100 + k, k % 3 == 2 ? 64 : 0);
    if (hk_trace_close(w.w, err, sizeof err) < 0) {
        fprintf(stderr, "make_cross: %s\n", err);
        return 1;
    }
    if (w.failed) {
        fprintf(stderr, "make_cross: %s: a write failed\n", path);
        return 1;
    }
    return 0;
}
