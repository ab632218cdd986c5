/*
 * alloc.h - one allocator instance and its malloc/free fast paths.
 *
 * An hk_allocator holds all state of one allocator: parameters, the ownership
 * registry, the shared pool, the large-object cache.  libhakmem.so has one;
 * the simulator and the unit tests make and discard as many as they like.
 * A heap (heap.h) belongs to one thread of one allocator.
 *
 * The fast paths are here, inline, so that the real malloc and the
 * simulator run the very same instructions; everything else is out of line
 * in alloc.c.
 */
#ifndef HK_ALLOC_H
#define HK_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "block.h"
#include "heap.h"
#include "large.h"
#include "params.h"
#include "pool.h"
#include "registry.h"
#include "sizeclass.h"
#include "stats.h"

/* An entry point whose fast path is hot starts on a cache line: the path
 * then spans the fewest lines, and its speed does not shift with whatever
 * the linker placed before it (free's fast path, 174 bytes, spans three
 * lines from a line's start and four from 48 bytes into one). */
#define HK_ENTRY __attribute__((aligned(64)))

/* Alignments a class can give: 32 << k for k below this, up to a page. */
#define HK_ALIGNED_STEPS 8

typedef struct hk_class_info {
    uint32_t size;      /* block bytes */
    uint32_t units;     /* slab span, in SuperSlab units */
    uint32_t front_cap; /* front cache bound for this class, at first */
    uint32_t front_max; /* ... the most it grows to in the only live heap */
    uint32_t front_max_shared; /* ... and in one of several */
    uint32_t refill;    /* blocks per refill */
    /* Where its front's slots lie among the cells after a heap (heap.c):
     * at first, and once it has grown past front_cap. */
    uint32_t first_cell, grown_cell;
} hk_class_info;

typedef struct hk_allocator {
    /* hk_front_at(hk_class_of(n)), by (n + 15) / 16 up to HK_FAST_MAX
     * and by (n + 127) / 128 up to HK_SMALL_MAX */
    uint16_t front_of_small[HK_FAST_MAX / 16 + 1];
    uint16_t front_of_medium[HK_SMALL_MAX / HK_MEDIUM_STEP + 1];
    unsigned unit_shift;
    unsigned units;            /* units per SuperSlab */
    uint32_t heap_cells;       /* slots after each heap, all classes' */
    hk_registry registry;
    hk_params params;
    hk_class_info cls[HK_CLASSES];
    /* The first class from c up whose size is a multiple of 32 << k:
     * every power of two up to a page is a class, and slabs start
     * page-aligned, so all its blocks are so aligned. */
    uint8_t aligned_class[HK_CLASSES][HK_ALIGNED_STEPS];
    hk_pool pool;
    hk_large large;
} hk_allocator;

/* Set up an allocator in zero-filled memory (static storage, calloc):
 * only what must not be zero is written, so that the parts a program
 * never uses cost it no page.  Nothing is mapped until first use.
 * Returns -1, having written nothing, if a parameter is out of range (see
 * hk_params_check). */
int hk_alloc_init(hk_allocator *a, const hk_params *p);

/* Unmap everything the allocator ever mapped. */
void hk_alloc_destroy(hk_allocator *a);

void *hk_malloc_slow(hk_allocator *a, hk_heap *h, size_t n);
void hk_free_slow(hk_allocator *a, hk_heap *h, void *p);
void *hk_alloc_calloc(hk_allocator *a, hk_heap *h, size_t count, size_t size);
void *hk_alloc_realloc(hk_allocator *a, hk_heap *h, void *p, size_t n);
/* align: a power of two; NULL when out of memory. */
void *hk_alloc_aligned(hk_allocator *a, hk_heap *h, size_t align, size_t n);
size_t hk_alloc_usable_size(hk_allocator *a, const void *p);
/* Return the calling heap's cached blocks and all unused memory now; the
 * bytes given back to the world. */
size_t hk_alloc_trim(hk_allocator *a, hk_heap *h);
/* Counters of the pool, the large cache and every heap, live or dead. */
void hk_alloc_snapshot(hk_allocator *a, hk_stats_snapshot *out);

/*
 * Every HK_TICK blocks a front hands out, the allocator looks at the
 * clock (hk_alloc_tick): a program that stays on the fast paths after its
 * use fell (a server after a spike) still gets its unused memory back
 * once purge_delay has passed, not only at its next slow path.  The
 * countdown is the front's hit counter, so the fast path pays one branch.
 */
void *hk_alloc_tick(hk_allocator *a, hk_front *f);

/* The block on top of front f, which is not empty.  The tick pops it
 * too, so that the fast path makes a tail call and saves no register. */
static inline void *hk_front_take(hk_allocator *a, hk_front *f)
{
    if (__builtin_expect(--f->to_tick == 0, 0))
        return hk_alloc_tick(a, f);
    return hk_front_pop(f);
}

/* The block on top of front f, or NULL when f is empty or this pop would
 * be the one that ticks: for a caller that must make no call, whose
 * slow path goes through hk_front_take. */
static inline void *hk_front_take_quiet(hk_front *f)
{
    if (!f->count || f->to_tick == 1)
        return NULL;
    f->to_tick--;
    return hk_front_pop(f);
}

/* Where the front of the class of n <= HK_SMALL_MAX bytes lies. */
static inline uint16_t hk_front_at_size(const hk_allocator *a, size_t n)
{
    if (__builtin_expect(n <= HK_FAST_MAX, 1))
        return a->front_of_small[(n + 15) >> 4];
    return a->front_of_medium[(n + HK_MEDIUM_STEP - 1) / HK_MEDIUM_STEP];
}

/* The class of blocks of m >= align bytes aligned to align, a power of
 * two from 32 to a page; m at most HK_SMALL_MAX. */
static inline unsigned hk_aligned_class(const hk_allocator *a, size_t align,
                                        size_t m)
{
    unsigned c = m <= HK_FAST_MAX ? hk_class_of_small(m) : hk_class_of(m);
    return a->aligned_class[c][__builtin_ctzl(align) - 5];
}

/*
 * The aligned allocations' fast path: a block of n bytes aligned to align
 * (a power of two), from its front, where both lie within HK_FAST_MAX.
 * NULL otherwise, or when the front is empty or due to tick, and then
 * hk_alloc_aligned serves it.  It never sets errno, so posix_memalign,
 * which must leave errno alone, keeps it only on the slow path.
 */
static inline void *hk_aligned_fast(hk_allocator *a, hk_heap *h,
                                    size_t align, size_t n)
{
    size_t m = n > align ? n : align;
    if (__builtin_expect(m > HK_FAST_MAX, 0))
        return NULL;
    unsigned c = align > 16 ? hk_aligned_class(a, align, m)
                            : hk_class_of_small(m);
    return hk_front_take_quiet(&h->front[c]);
}

static inline void *hk_malloc_fast(hk_allocator *a, hk_heap *h, size_t n)
{
    /* Small sizes, the most common, pass one compare. */
    if (__builtin_expect(n > HK_FAST_MAX, 0) &&
        __builtin_expect(n > HK_SMALL_MAX, 0))
        return hk_malloc_slow(a, h, n);
    hk_front *f = hk_front_of(h, hk_front_at_size(a, n));
    if (__builtin_expect(f->count != 0, 1))
        return hk_front_take(a, f);
    return hk_malloc_slow(a, h, n);
}

/*
 * The fast paths' test of p, at offset off in unit u of its SuperSlab:
 * it starts a block of its slab (the grid test, a multiply and a
 * compare) and does not carry the free mark (one compare, block.h).
 * Anything else takes a slow path, which tells a double free or an
 * invalid pointer from a block that merely holds the mark's value.
 */
static inline int hk_fast_block(const hk_ss *ss, uintptr_t u, uintptr_t off,
                                void *p)
{
    return hk_ss_is_block(ss, u, off) && !hk_block_is_marked(p);
}

/*
 * h may be NULL (a thread without a heap, e.g. while it exits).
 *
 * A block joins the front only if it passes hk_fast_block, so nothing
 * that could come back from malloc misaligned, or twice, ever enters a
 * front; and only if h owns its slab or its blocks share no cache line
 * (heap.h says why).  Always inlined: a compiler that sees two callers
 * would make it a function of its own, one more jump on every free.
 */
static inline __attribute__((always_inline)) void
hk_free_fast(hk_allocator *a, hk_heap *h, void *p)
{
    /* The free mark lies in the block's first line, which a program that
     * frees a block long after writing it no longer has cached: its fetch
     * starts here, beside the registry's and the unit's (a prefetch never
     * faults, whatever p is). */
    __builtin_prefetch(p, 1);
    /* No heap, no allocator set up yet: the registry may not be either. */
    uintptr_t e =
        h ? hk_registry_get_hot(&a->registry, (uintptr_t)p) : 0;
    if (__builtin_expect(e & HK_REG_SS, 1)) {
        const hk_ss *ss = hk_ss_of_entry(e);
        uintptr_t off = (uintptr_t)p + HK_REG_SS - e;
        uintptr_t u = off >> a->unit_shift;
        hk_os_touch(&ss->unit[u], sizeof ss->unit[u]);
        hk_front *f = hk_front_of(h, ss->unit[u].front);
        uintptr_t count = f->count;
        if (__builtin_expect(count < f->cap && hk_fast_block(ss, u, off, p),
                             1)) {
            hk_block_set_free(p);
            const hk_heap *owner = atomic_load_explicit(
                &ss->unit[u].owner, memory_order_relaxed);
            if (__builtin_expect(hk_front_refuses(f, owner, h), 0)) {
                hk_heap_post(h, f->cls, p);
                return;
            }
            hk_os_touch(&f->slots[count], sizeof(void *));
            f->count = (uint32_t)count + 1;
            f->slots[count] = p;
            return;
        }
    }
    hk_free_slow(a, h, p);
}

#endif
