/*
 * lock.h - a small test-and-test-and-set lock for the allocator's slow
 * paths.  It must not allocate or call into libc (it runs inside malloc),
 * so it spins briefly and then yields through the seam.
 */
#ifndef HK_LOCK_H
#define HK_LOCK_H

#include <stdatomic.h>

#include "os.h"

typedef struct hk_lock {
    atomic_int held;
} hk_lock;

static inline void hk_lock_acquire(hk_lock *l)
{
    for (unsigned spins = 0;; spins++) {
        if (!atomic_load_explicit(&l->held, memory_order_relaxed) &&
            !atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
            return;
        if (spins >= 64)
            hk_os_yield();
        else
            __builtin_ia32_pause();
    }
}

/* Take the lock if it is free, without waiting: 1 when taken. */
static inline int hk_lock_try(hk_lock *l)
{
    return !atomic_load_explicit(&l->held, memory_order_relaxed) &&
           !atomic_exchange_explicit(&l->held, 1, memory_order_acquire);
}

static inline void hk_lock_release(hk_lock *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

#endif
