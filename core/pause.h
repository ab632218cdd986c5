/*
 * pause.h - telling a program's pause from its memory's idleness.
 *
 * Free memory unused for a delay goes back to the kernel.  A program that
 * sleeps past the delay (between requests, between rounds of a batch job)
 * leaves all of its free memory unused for that long, and purging it as
 * the program comes back puts the madvise calls and a refault of every
 * page on its critical path, just as it is about to use that memory
 * again.  Idle time therefore counts while the program runs: each owner
 * of free memory (the pool, the large cache) notes the time at its slow
 * paths and at the fronts' ticks; when a purge falls due and nothing was
 * seen for a whole delay before, the owner restarts its memory's idle
 * time instead.  It never does so twice in a row without activity in
 * between, so a program whose every call comes after a long gap still
 * gets its memory back, one gap late.
 */
#ifndef HK_PAUSE_H
#define HK_PAUSE_H

#include <stdatomic.h>
#include <stdint.h>

/* Times are stored only once they moved this far, so that threads' ticks
 * share the line instead of bouncing it. */
#define HK_PAUSE_GRAIN 1000000 /* ns */

typedef struct hk_pause {
    _Atomic uint64_t seen; /* the last activity, to within HK_PAUSE_GRAIN */
    uint64_t woke_at;      /* the last restart; under the owner's lock */
} hk_pause;

/* Activity at `now`; returns the previous activity's time. */
static inline uint64_t hk_pause_see(hk_pause *p, uint64_t now)
{
    uint64_t prev = atomic_load_explicit(&p->seen, memory_order_relaxed);
    if (now > prev + HK_PAUSE_GRAIN)
        atomic_store_explicit(&p->seen, now, memory_order_relaxed);
    return prev;
}

/* Under the owner's lock, with a purge due at `now` and the activity
 * before it at `prev`: whether the program is back from a pause of at
 * least `delay`, so that idle time should start again instead. */
static inline int hk_pause_ended(hk_pause *p, uint64_t prev, uint64_t now,
                                 uint64_t delay)
{
    if (!delay || now <= prev || now - prev < delay || prev == p->woke_at)
        return 0;
    p->woke_at = now;
    return 1;
}

#endif
