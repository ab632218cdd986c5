/*
 * record_lock.h - the recorder's lock: a test-and-set spin lock that
 * yields the CPU while it waits (private to the recorder).
 *
 * The recorder runs inside malloc, so its locks must not allocate, must
 * cost one atomic exchange when free (release is a plain store) and must
 * be resettable by a forked child, whose other threads are gone: zero is
 * unlocked.  Critical sections are short; a waiter whose holder was
 * preempted gives its CPU away instead of burning the time slice.
 */
#ifndef HK_RECORD_LOCK_H
#define HK_RECORD_LOCK_H

#include <sched.h>
#include <stdatomic.h>

typedef atomic_int hk_rec_lock;

static inline void hk_rec_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline int hk_rec_trylock(hk_rec_lock *l)
{
    return !atomic_exchange_explicit(l, 1, memory_order_acquire);
}

static inline void hk_rec_lock_take(hk_rec_lock *l)
{
    while (!hk_rec_trylock(l)) {
        for (int spin = 0;
             atomic_load_explicit(l, memory_order_relaxed); spin++) {
            if (spin < 64)
                hk_rec_cpu_relax();
            else
                sched_yield();
        }
    }
}

static inline void hk_rec_unlock(hk_rec_lock *l)
{
    atomic_store_explicit(l, 0, memory_order_release);
}

#endif
