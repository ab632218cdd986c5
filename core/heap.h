/*
 * heap.h - a thread's heap: the front cache per size class and the slabs
 * the thread owns.
 *
 * The front is a bounded stack of block pointers per class.  malloc pops,
 * free pushes; neither takes a lock or an atomic read-modify-write, and
 * of the block's memory each touches only the free mark (block.h).
 *
 * A front takes a block freed into a slab its heap does not own only when
 * the block shares no cache line with another (superslab.h).  Any other
 * such block waits in the freeing thread's outbox, and goes home with the
 * others in one pass when the outbox fills (or at the next tick): were it
 * pushed on the front, the thread's next malloc of the class would hand
 * it out and write it, in cache lines where the owner writes its blocks
 * (passive false sharing: two threads each freeing one of two adjacent
 * 8-byte blocks and then mallocing and writing 8 bytes in a loop ran six
 * times as long as when each reused blocks of its own).
 *
 * With ptr_check=always, blocks that realloc moved away from wait in the
 * quarantine `moved` before they join a front (see alloc.c).
 *
 * A front's bound adapts: it starts at the class's front_cap and doubles
 * (up to its front_max) whenever the front runs empty after having
 * overflowed, that is whenever blocks it sent home had to be fetched back;
 * long runs of overflows with no refill between them (a thread that frees
 * what others allocate) shrink it again.  All of a heap's fronts
 * together grow by at most HK_HEAP_GROWTH_BYTES of blocks past their
 * first bounds, and each to its front_max_shared, while other heaps
 * live: a program whose swings span many classes, in many threads, would
 * otherwise keep front_max blocks of every class in every thread, and
 * blocks one thread keeps, no other reuses (two threads of blocks of 8 to
 * 16,000 bytes peaked a fifth higher with the bounds of a heap alone).
 * The only live heap grows by up to HK_HEAP_GROWTH_ALONE_BYTES, each
 * front to its front_max: its fronts are the program's only cache, and
 * with 1 to 16 KiB blocks a front of a few blocks sent them home and
 * fetched them back every few calls (15% faster, and 10% less RSS, as
 * the blocks stayed out of half-used slabs).  slots has room for
 * front_max blocks.
 *
 * A thread that exits parks its heap whole: its slabs stay its own, its
 * fronts full, and the next thread to start takes it as it is, with
 * nothing handed over or adopted, block by block or slab by slab.  A
 * heap is emptied (reaped), its slabs going to the pool, once it has
 * been parked for the pool's delay, by whichever thread ticks next, and
 * sooner when a live heap needs a slab and none waits for adoption: the
 * oldest parked heap is reaped then, before any memory is carved, so
 * that a program whose threads end, leaving one to go on, reuses their
 * memory.  thread_churn (threads of 200 blocks, four at a time, on two
 * CPUs; medians of 5 alternating runs) ran 21,500 threads/s when an
 * exiting heap handed its slabs over and 25,400 parked (tcmalloc
 * 22,100), peak RSS 6,636 KB then and 5,868 KB now; while the machine
 * ran at half that speed, 10,400 and 15,700 (tcmalloc 11,500).  Reaping
 * before every slab a live heap took from the pool reaped half the
 * heaps, whose next threads took 30 slabs each: 17% slower.
 *
 * Only the thread that holds a heap touches it (its owner while live, the
 * reaper once reaping), except remote_hint, which other threads bump when
 * they free into one of its slabs.
 */
#ifndef HK_HEAP_H
#define HK_HEAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "keep.h"
#include "list.h"
#include "sizeclass.h"
#include "stats.h"
#include "superslab.h"

struct hk_allocator;

#define HK_HEAP_GROWTH_BYTES ((size_t)1 << 20)
#define HK_HEAP_GROWTH_ALONE_BYTES ((size_t)4 << 20)

/* Blocks a front hands out between two looks at the clock (alloc.h). */
#define HK_TICK 4096u

typedef struct hk_front {
    void **slots;
    uint32_t count, cap;
    uint64_t hits;      /* blocks handed out, up to the last tick */
    uint32_t to_tick;   /* blocks to hand out before the next tick */
    uint8_t overflows;  /* overflows since the last refill (it may wrap) */
    uint8_t shares_lines; /* its blocks share cache lines (superslab.h) */
    uint16_t cls;       /* its index in its heap's front[] */
} hk_front;

#define HK_MOVED 32 /* blocks in the quarantine */

/* The outbox holds at most this many blocks, and stops taking more once
 * they reach HK_OUTBOX_BYTES. */
#define HK_OUTBOX 64
#define HK_OUTBOX_BYTES ((uint32_t)256 << 10)

typedef struct hk_heap {
    hk_front front[HK_CLASSES + 1]; /* + HK_CLASS_NONE, which has cap 0 */
    void *moved[HK_MOVED];          /* the quarantine, a ring; NULL: empty */
    uint32_t moved_at;              /* its next slot */
    void *outbox[HK_OUTBOX]; /* freed blocks of slabs others own */
    uint32_t outbox_count, outbox_bytes;
    struct hk_allocator *alloc;
    hk_list avail[HK_CLASSES]; /* first: the slab refills take from */
    uint32_t avail_count[HK_CLASSES]; /* the length of avail[c] */
    hk_list full[HK_CLASSES];
    _Atomic uint64_t remote_hint[HK_CLASSES];
    uint64_t remote_seen[HK_CLASSES];
    hk_class_stats stats[HK_CLASSES];
    uint32_t batch[HK_CLASSES]; /* blocks the next refill moves at most */
    struct hk_heap *next; /* every heap, live or dead, for reuse */
    size_t map_bytes;
    size_t grown_bytes; /* front room grown past the classes' front_cap */
    hk_keep keep;       /* large blocks kept for reuse */
    uint64_t parked_at; /* while parked */
    uint8_t state;      /* enum hk_heap_state, changed under the pool's lock */
} hk_heap;

enum hk_heap_state {
    HK_HEAP_DEAD,    /* empty, for reuse as new */
    HK_HEAP_LIVE,    /* a thread's */
    HK_HEAP_PARKED,  /* its thread ended; whole, for the next to take */
    HK_HEAP_REAPING, /* parked too long: a thread empties it */
};

/* Does h hold slabs and blocks (and count statistics of its own)? */
static inline int hk_heap_holds_blocks(const hk_heap *h)
{
    return h->state != HK_HEAP_DEAD;
}

/* Where the front of class c lies in a heap, in bytes: the fast paths
 * look this up in a table instead of scaling a class number. */
static inline uint16_t hk_front_at(unsigned c)
{
    return (uint16_t)(offsetof(hk_heap, front) + c * sizeof(hk_front));
}

static inline hk_front *hk_front_of(hk_heap *h, uint16_t at)
{
    return (hk_front *)((char *)h + at);
}

/* The block on top of front f, which is not empty, handed out. */
static inline void *hk_front_pop(hk_front *f)
{
    uint32_t count = f->count - 1;
    f->count = count;
    hk_os_touch(&f->slots[count], sizeof(void *));
    return hk_block_hand_out(f->slots[count]);
}

/* Must a block of front f's class, freed by h into a slab of `owner`,
 * wait in h's outbox rather than join f (see above)?  Without a branch
 * per test: threads free each other's blocks in no pattern a predictor
 * learns.  Byte-wide, as the flag is: a compare, a setne and an and (an
 * int took two more instructions on every free). */
static inline uint8_t hk_front_refuses(const hk_front *f,
                                       const hk_heap *owner, const hk_heap *h)
{
    uint8_t foreign = owner != h;
    return foreign & f->shares_lines;
}

/* Blocks front f has handed out. */
static inline uint64_t hk_front_hits(const hk_front *f)
{
    return f->hits + HK_TICK - f->to_tick;
}

_Static_assert(offsetof(hk_heap, front) == 0, "a heap starts with its fronts");

/* The heap whose front f is. */
static inline hk_heap *hk_heap_of_front(hk_front *f)
{
    return (hk_heap *)(void *)(f - f->cls);
}

/* f's countdown reached zero: count its HK_TICK hits, start again. */
static inline void hk_front_restart_tick(hk_front *f)
{
    f->hits += HK_TICK;
    f->to_tick = HK_TICK;
}

/* A heap for the calling thread: a parked one taken as it is (of those
 * parked within the last millisecond the first parked, else the last
 * parked; heap.c says why), else a dead one reused, else a new mapping. */
hk_heap *hk_heap_create(struct hk_allocator *a);

/* h's thread is gone: send home what it holds of other heaps' slabs and
 * its large blocks, and park the rest for the next thread. */
void hk_heap_park(hk_heap *h);

/* Which parked heaps hk_heap_reap empties. */
enum hk_reap {
    HK_REAP_DUE, /* those parked for the pool's delay by now */
    HK_REAP_ONE, /* the one parked first, if any */
    HK_REAP_ALL,
};

/* Empty parked heaps as hk_heap_destroy does.  Takes no lock when none
 * is to be. */
void hk_heap_reap(struct hk_allocator *a, uint64_t now, enum hk_reap which);

/* Empty h, live or being reaped: return its cached blocks, hand its slabs
 * to the pool; it is dead then. */
void hk_heap_destroy(hk_heap *h);

/* The front of class c is empty: refill it and pop one block (or NULL). */
void *hk_heap_refill(hk_heap *h, unsigned c);

/* The front of class c is full: adapt its bound, then send its older
 * blocks home. */
void hk_heap_overflow(hk_heap *h, unsigned c);

/* Return the n oldest blocks of the front of class c to their slabs. */
void hk_heap_flush(hk_heap *h, unsigned c, uint32_t n);

/* A block goes home: to its slab's local list when h owns the slab, else
 * through the slab's remote list. */
void hk_heap_give_back(hk_heap *h, void *p);

/* Send the quarantine's blocks home. */
void hk_heap_flush_moved(hk_heap *h);

/* p, a free block (marked) of class c whose slab h does not own, joins
 * h's outbox, which is sent home first if it has no room. */
void hk_heap_post(hk_heap *h, unsigned c, void *p);

/* Send the outbox's blocks home. */
void hk_heap_flush_outbox(hk_heap *h);

/* Does the front of class c, the quarantine or the outbox of h hold p?
 * Exact on the thread that owns h; another thread may miss p while h
 * changes. */
int hk_heap_holds(const hk_heap *h, unsigned c, const void *p);

/* Fold a heap's counters (front hits included) into *into. */
void hk_heap_stats(const hk_heap *h, hk_class_stats *into);

#endif
