/*
 * heap.h - a thread's heap: the front cache per size class and the slabs
 * the thread owns.
 *
 * The front is a bounded stack of block pointers per class.  malloc pops,
 * free pushes; neither takes a lock or an atomic read-modify-write, and
 * neither touches the block's memory.  slots[-1] is a sentinel cell so
 * free can compare p against the top of the stack (catching the commonest
 * double free) without testing for an empty stack first.
 *
 * Only the owning thread touches a heap, except remote_hint, which other
 * threads bump when they free into one of its slabs.
 */
#ifndef HK_HEAP_H
#define HK_HEAP_H

#include <stdatomic.h>
#include <stdint.h>

#include "list.h"
#include "sizeclass.h"
#include "stats.h"
#include "superslab.h"

struct hk_allocator;

typedef struct hk_front {
    void **slots;
    uint32_t count, cap;
    uint64_t hits;
} hk_front;

typedef struct hk_heap {
    hk_front front[HK_CLASSES + 1]; /* + HK_CLASS_NONE, which has cap 0 */
    struct hk_allocator *alloc;
    hk_list avail[HK_CLASSES]; /* first: the slab refills take from */
    hk_list full[HK_CLASSES];
    _Atomic uint64_t remote_hint[HK_CLASSES];
    uint64_t remote_seen[HK_CLASSES];
    hk_class_stats stats[HK_CLASSES];
    struct hk_heap *next; /* every heap, live or dead, for reuse */
    size_t map_bytes;
    int live;
} hk_heap;

/* A heap for the calling thread: a dead one reused, or a new mapping. */
hk_heap *hk_heap_create(struct hk_allocator *a);

/* The thread is gone: return cached blocks, hand slabs to the pool. */
void hk_heap_destroy(hk_heap *h);

/* The front of class c is empty: refill it and pop one block (or NULL). */
void *hk_heap_refill(hk_heap *h, unsigned c);

/* The front of class c is full: return its oldest blocks to their slabs. */
void hk_heap_flush(hk_heap *h, unsigned c, uint32_t n);

/* A block goes home: to its slab's local list when h owns the slab, else
 * through the slab's remote list. */
void hk_heap_give_back(hk_heap *h, void *p);

/* Fold a heap's counters (front hits included) into *into. */
void hk_heap_stats(const hk_heap *h, hk_class_stats *into);

#endif
