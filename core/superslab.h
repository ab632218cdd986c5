/*
 * superslab.h - SuperSlabs and the slabs carved from them.
 *
 * A SuperSlab is an ss_size-aligned region of ss_size bytes, split into
 * up to 64 equal units.  Its header sits at the start of unit 0.  A slab is
 * a span of contiguous units holding blocks of one size class; its
 * metadata lives in the header, indexed by its first unit, so free() finds
 * a block's class from the block's address alone:
 *
 *     ss   = registry entry of the block's granule
 *     cls  = ss->unit[(block - ss) >> unit_shift].cls
 *
 * A slab's blocks are in exactly one of: handed out (to the program, a
 * front cache or an outbox), on the owner's local free list, on the
 * remote list, or never carved (between bump and end).  `used` counts the
 * first kind plus the remote list, so a slab is empty when used == 0
 * after a drain.
 *
 * free() must also know that a pointer starts a block of its slab that
 * was carved (so it may have been handed out), and its fast path cannot
 * afford a division.  Each unit records its slab's block grid
 * (grid_first, grid_mul, grid_lim) so that the test is one multiply and
 * one compare (hk_ss_is_block).  What a free block holds is block.h's;
 * every carved block that is not handed out carries the free mark.
 */
#ifndef HK_SUPERSLAB_H
#define HK_SUPERSLAB_H

#include <stdatomic.h>
#include <stdint.h>

#include "block.h"
#include "list.h"
#include "os.h"
#include "params.h"
#include "registry.h"
#include "sizeclass.h"

#define HK_SS_UNITS_MAX 64
#define HK_SS_HEADER 8192u /* bytes reserved for the header in unit 0 */

struct hk_heap;

typedef struct hk_slab {
    hk_link link;        /* heap or abandoned list; first, so that a slab
                          * and its node share one address */
    void *free;          /* local free list: owner only */
    char *bump, *end;    /* blocks never handed out: [bump, end) */
    _Atomic(void *) remote; /* blocks freed by threads other than owner */
    _Atomic(struct hk_heap *) owner;
    struct hk_ss *ss;
    char *start;         /* first block */
    uint32_t used;
    uint32_t size;       /* block bytes */
    uint8_t cls, first_unit, units;
    uint8_t full;        /* on its owner's full list (owned slabs only) */
} hk_slab;

/* What free's fast path reads of a unit: hk_front_at(cls) (heap.h), the
 * covering slab's owner (hk_slab_set_owner), and its block grid: the offset
 * of its first block from the SuperSlab and the constants of
 * hk_ss_is_block, whose limit the slab's owner raises as it carves (any
 * thread may read it).  The grid is meaningless while the unit is free.
 * All of it in one aligned half line: kept as six arrays, a free read four
 * lines of the header, and with blocks scattered over a few SuperSlabs
 * those were a tenth of a program's L1 read misses (mixed_lifetimes under
 * cachegrind).
 */
typedef struct hk_unit {
    _Atomic(struct hk_heap *) owner; /* the covering slab's */
    _Atomic uint64_t grid_lim;
    uint64_t grid_mul;
    uint32_t grid_first;
    uint16_t front;
    uint8_t cls;  /* HK_CLASS_NONE while the unit is free */
    uint8_t head; /* first unit of the covering slab */
} __attribute__((aligned(32))) hk_unit;

_Static_assert(sizeof(hk_unit) == 32, "a unit's fields fill half a line");

typedef struct hk_ss {
    hk_unit unit[HK_SS_UNITS_MAX];
    uint64_t free_units;  /* bit per unit */
    uint64_t dirty_units; /* free units written since their last purge */
    uint64_t dirty_since; /* time the first of dirty_units was freed */
    uint64_t emptied_at;  /* time it joined the LRU, while it is there */
    uint64_t purged_units; /* free units purged, at purged_at, since used */
    uint64_t purged_at;
    uint64_t purged_since; /* when the last purged had begun to wait */
    hk_link link;         /* on a partial list or the LRU */
    hk_link all_link;     /* on the pool's list of every SuperSlab */
    uint8_t cls;          /* class served when the pool is not shared */
    uint8_t advised;      /* its mapping asked for huge pages (huge.h) */
    hk_slab slabs[HK_SS_UNITS_MAX];
} hk_ss;

_Static_assert(sizeof(hk_ss) <= HK_SS_HEADER, "SuperSlab header too large");

/* s changes hands: its owner, also as free's fast path reads it, in
 * each of its units (only the owner makes a slab its own or gives it
 * up, so a thread that reads itself there reads the truth). */
static inline void hk_slab_set_owner(hk_slab *s, struct hk_heap *h)
{
    atomic_store_explicit(&s->owner, h, memory_order_relaxed);
    hk_os_touch(&s->ss->unit[s->first_unit], s->units * sizeof s->ss->unit[0]);
    for (unsigned u = s->first_unit; u < s->first_unit + s->units; u++)
        atomic_store_explicit(&s->ss->unit[u].owner, h, memory_order_relaxed);
}

/* Do blocks of `size` bytes share cache lines with each other?  Slabs
 * start page-aligned, so those of a multiple of a line do not. */
#define HK_LINE 64
static inline int hk_shares_lines(uint32_t size)
{
    return size % HK_LINE != 0;
}

static inline hk_slab *hk_slab_at(hk_link *link)
{
    return hk_list_entry(link, hk_slab, link);
}

/* The SuperSlab a registry entry with HK_REG_SS names (registry.h). */
static inline hk_ss *hk_ss_of_entry(uintptr_t e)
{
    return (hk_ss *)(e - HK_REG_SS);
}

static inline hk_slab *hk_ss_slab_of(hk_ss *ss, uintptr_t p, unsigned shift)
{
    unsigned unit = (unsigned)((p - (uintptr_t)ss) >> shift);
    hk_os_touch(&ss->unit[unit], sizeof ss->unit[unit]);
    return &ss->slabs[ss->unit[unit].head];
}

/*
 * The block grid.  For a block size s (16 <= s <= 128 KiB) take
 *
 *     mul = ceil(2^64 / s) + 1,   eps = s * mul mod 2^64  (s <= eps < 2s).
 *
 * For an offset n = k*s + r from the slab's first block, 0 <= r < s and
 * n < 2^32, n * mul mod 2^64 = k*eps + r*mul exactly (the sum stays below
 * 2^64): at most 2^33 when r == 0, at least mul > 2^47 otherwise.  So with
 * lim = blocks * eps, n * mul < lim holds exactly when n is the offset of
 * one of the slab's first `blocks` blocks.  n is taken modulo 2^32, so a
 * pointer below the first block (the SuperSlab header) becomes an offset
 * near 2^32, far past the last block, and fails too.
 */
static inline uint64_t hk_grid_mul(uint32_t size)
{
    return UINT64_MAX / size + 2;
}

static inline uint64_t hk_grid_lim(uint32_t size, uint64_t blocks)
{
    return blocks * (size * hk_grid_mul(size));
}

/* Is the byte at offset `off` of the SuperSlab, which lies in unit u,
 * the start of a carved block of the slab covering u?  The caller has
 * read ss->unit[u] already (and told the simulation so): every caller
 * looks up the unit's front or class first. */
static inline int hk_ss_is_block(const hk_ss *ss, uintptr_t u, uintptr_t off)
{
    uint64_t n = (uint32_t)(off - ss->unit[u].grid_first);
    return n * ss->unit[u].grid_mul <
           atomic_load_explicit(&ss->unit[u].grid_lim, memory_order_relaxed);
}

/*
 * Move up to n blocks out of the slab into the cells below top (top[-1]
 * first, then top[-2], ...); returns how many.  Fewer than n leave only an
 * exhausted slab, or one whose fresh blocks were carved as far as the
 * pages the first of them covers: no page is faulted in ahead of use.
 * check is the allocator's ptr_check: unless it is never, a block taken
 * from the free list must still carry its free mark (else the program
 * wrote into a free block, or freed it twice and got it back already);
 * with always, its next pointer must also be a block of the slab.
 */
unsigned hk_slab_take(hk_slab *s, void **top, unsigned n, unsigned check);

/* Owner: give n free blocks (marked, block.h), linked from head to tail
 * through their first words, back to the slab's local free list. */
static inline void hk_slab_put_local(hk_slab *s, void *head, void *tail,
                                     uint32_t n)
{
    HK_ASSERT(s->used >= n);
    hk_os_touch(tail, sizeof(void *));
    *(void **)tail = s->free;
    s->free = head;
    s->used -= n;
}

/* Any thread: give free blocks (marked), linked from head to tail, back
 * through the remote list, all with one compare-and-swap. */
void hk_slab_put_remote(hk_slab *s, void *head, void *tail);

/* Owner: move remote blocks onto the local list; returns how many.  The
 * blocks are checked as hk_slab_take checks them. */
unsigned hk_slab_drain_remote(hk_slab *s, unsigned check);

/* Is p on one of the slab's free lists?  Exact for the slab's owner.
 * Another thread reads lists their owner may be changing: it follows only
 * pointers to blocks of the slab, no more of them than the slab holds, so
 * it cannot run off, and it may miss p while the lists change. */
int hk_slab_lists_hold(const hk_slab *s, const void *p);

static inline int hk_slab_exhausted(const hk_slab *s)
{
    return !s->free && s->bump + s->size > s->end;
}

/* Is p the start of one of the blocks s can hold, carved or not? */
static inline int hk_slab_is_block(const hk_slab *s, uintptr_t p)
{
    uintptr_t off = p - (uintptr_t)s->start;
    return p >= (uintptr_t)s->start && p < (uintptr_t)s->end &&
           off % s->size == 0;
}

#endif
