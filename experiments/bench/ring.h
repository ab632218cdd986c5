/*
 * ring.h - a bounded single-producer, single-consumer ring of parcels
 * (a block with its size and pattern tag), for the benchmarks that hand
 * blocks from one thread to another.
 *
 * Invariants: only the producer writes `head`, only the consumer writes
 * `tail`; tail <= head <= tail + capacity, as free-running counters.  The
 * release store of `head` publishes the parcel written before it, the
 * release store of `tail` gives its slot back.  Each side keeps a cached
 * copy of the other's counter and rereads it only when the ring looks
 * full (or empty), so a hand-over costs no shared cache-line traffic
 * beyond the parcel itself most of the time: the ring must not be what
 * the benchmark measures.
 */
#ifndef HAKMEM_BENCH_RING_H
#define HAKMEM_BENCH_RING_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct parcel {
    void *block;
    size_t size;
    uint64_t tag;
};

struct ring {
    _Alignas(64) _Atomic size_t head;	/* producer's line */
    size_t tail_seen;
    _Alignas(64) _Atomic size_t tail;	/* consumer's line */
    size_t head_seen;
    _Alignas(64) size_t mask;		/* read-only after ring_init */
    struct parcel *slots;
};

/* `count` empty rings of `capacity` parcels each, a power of two, on
 * cache lines of their own; NULL when memory runs out. */
static inline struct ring *rings_new(size_t count, size_t capacity)
{
    struct ring *rings = aligned_alloc(_Alignof(struct ring),
                       count * sizeof(struct ring));

    if (rings == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        struct ring *ring = &rings[i];

        ring->slots = calloc(capacity, sizeof(*ring->slots));
        if (ring->slots == NULL)
            return NULL;
        ring->mask = capacity - 1;
        atomic_init(&ring->head, 0);
        atomic_init(&ring->tail, 0);
        ring->tail_seen = 0;
        ring->head_seen = 0;
    }
    return rings;
}

static inline void rings_free(struct ring *rings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(rings[i].slots);
    free(rings);
}

/* Producer side: false when the ring is full. */
static inline bool ring_push(struct ring *ring, struct parcel parcel)
{
    size_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);

    if (head - ring->tail_seen > ring->mask) {
        ring->tail_seen = atomic_load_explicit(&ring->tail, memory_order_acquire);
        if (head - ring->tail_seen > ring->mask)
            return false;
    }
    ring->slots[head & ring->mask] = parcel;
    atomic_store_explicit(&ring->head, head + 1, memory_order_release);
    return true;
}

/* Consumer side: false when the ring is empty. */
static inline bool ring_pop(struct ring *ring, struct parcel *parcel)
{
    size_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);

    if (tail == ring->head_seen) {
        ring->head_seen = atomic_load_explicit(&ring->head, memory_order_acquire);
        if (tail == ring->head_seen)
            return false;
    }
    *parcel = ring->slots[tail & ring->mask];
    atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
    return true;
}

/* One step of waiting for the other side: a few spins, then yielding the
 * CPU, which matters when there are more threads than CPUs.  *spins
 * counts the steps of the current wait; reset it to 0 after progress. */
static inline void ring_backoff(unsigned *spins)
{
    if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

#endif
