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
 *     cls  = ss->unit_cls[(block - ss) >> unit_shift]
 *
 * A slab's blocks are in exactly one of: handed out (to the program or a
 * front cache), on the owner's local free list, on the remote list, or
 * never carved (between bump and end).  `used` counts the first kind plus
 * the remote list, so a slab is empty when used == 0 after a drain.
 */
#ifndef HK_SUPERSLAB_H
#define HK_SUPERSLAB_H

#include <stdatomic.h>
#include <stdint.h>

#include "list.h"
#include "os.h"
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

typedef struct hk_ss {
    uint8_t unit_cls[HK_SS_UNITS_MAX];  /* read by free's fast path */
    uint8_t unit_head[HK_SS_UNITS_MAX]; /* first unit of the covering slab */
    uint64_t free_units;  /* bit per unit */
    uint64_t dirty_units; /* free units written since their last purge */
    uint64_t dirty_since; /* time the first of dirty_units was freed */
    hk_link link;         /* on a partial list or the LRU */
    hk_link all_link;     /* on the pool's list of every SuperSlab */
    uint8_t cls;          /* class served when the pool is not shared */
    hk_slab slabs[HK_SS_UNITS_MAX];
} hk_ss;

_Static_assert(sizeof(hk_ss) <= HK_SS_HEADER, "SuperSlab header too large");

static inline hk_slab *hk_slab_at(hk_link *link)
{
    return hk_list_entry(link, hk_slab, link);
}

static inline hk_slab *hk_ss_slab_of(hk_ss *ss, uintptr_t p, unsigned shift)
{
    unsigned unit = (unsigned)((p - (uintptr_t)ss) >> shift);
    return &ss->slabs[ss->unit_head[unit]];
}

/* Move up to n blocks out of the slab into out[]; returns how many. */
unsigned hk_slab_take(hk_slab *s, void **out, unsigned n);

/* Owner: give a block back to the slab's local free list. */
static inline void hk_slab_put_local(hk_slab *s, void *p)
{
    HK_ASSERT(s->used > 0);
    hk_os_touch(p, sizeof(void *));
    *(void **)p = s->free;
    s->free = p;
    s->used--;
}

/* Any thread: give a block back through the remote list. */
void hk_slab_put_remote(hk_slab *s, void *p);

/* Owner: move remote blocks onto the local list; returns how many. */
unsigned hk_slab_drain_remote(hk_slab *s);

static inline int hk_slab_exhausted(const hk_slab *s)
{
    return !s->free && s->bump + s->size > s->end;
}

/* Is p the start of a block of s?  (A cheap interior-pointer check.) */
static inline int hk_slab_is_block(const hk_slab *s, uintptr_t p)
{
    uintptr_t off = p - (uintptr_t)s->start;
    return p >= (uintptr_t)s->start && p < (uintptr_t)s->end &&
           off % s->size == 0;
}

#endif
