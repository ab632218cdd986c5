/*
 * alloc.c - the allocator's entry points beyond the fast paths: setting
 * an instance up, small-object slow paths, aligned and large requests,
 * realloc, ownership checks on free, trimming and statistics.
 *
 * What free() checks, by ptr_check:
 *  - never: that the ownership map knows the pointer;
 *  - cached (the default): also that it starts a block of its slab, and
 *    that the block is not free already, wherever it waits (a front
 *    cache, the slab's lists, a quarantine): the fast path tests both
 *    (alloc.h) and sends anything doubtful here to be told apart.
 *    Blocks leaving a slab's lists must still carry their free mark;
 *  - always: also a mincore() probe of the pointer, the mark of every
 *    block a front sends home and the next pointer of every block leaving
 *    a slab's lists (so an overflow into a free neighbour is caught
 *    before the allocator follows it), and a quarantine for blocks that
 *    realloc moved away from, so a free through the old pointer is caught
 *    even after the program allocated again.
 */
#include "alloc.h"

#include <errno.h>
#include <string.h>

#define MIN_UNIT_SHIFT 16 /* slab units are at least 64 KiB */
/* A slab spans the fewest units that hold this many blocks: few enough
 * that a class's slack (a partly used slab per class and thread) stays
 * small, and the pool is still visited once per several blocks. */
#define SLAB_MIN_BLOCKS 4
/* ... and more units where that leaves more of the slab past its last
 * block than 1/SLAB_TAIL_SHARE of it.  No block of the class ever covers
 * that tail, but a slab of another class carved over those units later
 * does: eight rounds of 8,000 blocks of 8 to 32 KB took 3,650 page
 * faults after the first round with slabs of four blocks, 2,600 with a
 * sixteenth, 1,600 with a thirty-second (tcmalloc 1,950); a
 * thirty-second also made blocks of classes with few of them (16 bytes to
 * 64 KiB, skewed small, some long-lived) peak 6% higher. */
#define SLAB_TAIL_SHARE 16
#define FRONT_BYTES 65536 /* front caches hold about this much per class */
/* ... and grow to at most this much in a heap among several; in the only
 * live heap (heap.h says why) to as many blocks, or this many, whichever
 * is more, up to FRONT_MAX_BYTES */
#define FRONT_MAX_SHARED_BYTES (256 * 1024)
#define FRONT_MAX_BLOCKS 64
#define FRONT_MAX_BYTES (1024 * 1024)

static unsigned log2_exact(uint64_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

static uint32_t min_u32(uint64_t a, uint64_t b)
{
    return (uint32_t)(a < b ? a : b);
}

/* The most blocks a front grows to: by_bytes, within the front_max
 * setting, and no fewer than it starts with. */
static uint32_t front_max(const hk_params *p, uint64_t by_bytes,
                          uint32_t front_cap)
{
    uint32_t most = p->shared_pool ? min_u32(p->front_max, by_bytes) : 0;
    return most > front_cap ? most : front_cap;
}

/* The units a slab of blocks of `size` spans, at most `most` (see
 * SLAB_TAIL_SHARE): the fewest with a short tail, else those with the
 * shortest tail for their bytes. */
static unsigned slab_units(size_t size, size_t unit, unsigned most)
{
    unsigned first = (unsigned)((SLAB_MIN_BLOCKS * size + unit - 1) / unit);
    if (first >= most)
        return most;
    unsigned best = first;
    for (unsigned n = first; n <= most; n++) {
        size_t bytes = n * unit, tail = bytes % size;
        if (tail * SLAB_TAIL_SHARE <= bytes)
            return n;
        /* tail / bytes < best's tail / best's bytes */
        if (tail * (best * unit) < (best * unit) % size * bytes)
            best = n;
    }
    return best;
}

int hk_alloc_init(hk_allocator *a, const hk_params *p)
{
    if (hk_params_check(p, NULL, 0) != 0)
        return -1;
    a->params = *p;
    unsigned ss_shift = log2_exact(p->ss_size);
    a->unit_shift = ss_shift - 6 > MIN_UNIT_SHIFT ? ss_shift - 6
                                                  : MIN_UNIT_SHIFT;
    a->units = 1u << (ss_shift - a->unit_shift);
    size_t unit = (size_t)1 << a->unit_shift;
    unsigned max_span = a->units / 4;

    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_class_info *ci = &a->cls[c];
        size_t size = hk_class_size(c);
        ci->size = (uint32_t)size;
        ci->units = slab_units(size, unit, max_span);
        uint64_t by_bytes = FRONT_BYTES / size > 2 ? FRONT_BYTES / size : 2;
        /* Before the shared pool there was no front cache worth the name:
         * a SuperSlab went back as soon as the program freed its last
         * block, which a cache holding blocks would prevent. */
        ci->front_cap = p->shared_pool ? min_u32(p->front_cap, by_bytes) : 0;
        uint64_t shared = FRONT_MAX_SHARED_BYTES / size;
        uint64_t alone = shared > FRONT_MAX_BLOCKS ? shared : FRONT_MAX_BLOCKS;
        if (alone > FRONT_MAX_BYTES / size)
            alone = FRONT_MAX_BYTES / size;
        ci->front_max = front_max(p, alone, ci->front_cap);
        ci->front_max_shared = front_max(p, shared, ci->front_cap);
        ci->refill = min_u32(p->refill, ci->front_cap);
    }
    uint32_t first = 0, grown = 0;
    for (unsigned c = 0; c < HK_CLASSES; c++)
        grown += a->cls[c].front_cap;
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        a->cls[c].first_cell = first;
        a->cls[c].grown_cell = grown;
        first += a->cls[c].front_cap;
        grown += a->cls[c].front_max;
    }
    a->heap_cells = grown;
    for (size_t i = 0; i <= HK_FAST_MAX / 16; i++)
        a->front_of_small[i] = hk_front_at(hk_class_of_small(i * 16));
    for (size_t i = 0; i <= HK_SMALL_MAX / HK_MEDIUM_STEP; i++)
        a->front_of_medium[i] = hk_front_at(hk_class_of(i * HK_MEDIUM_STEP));
    for (unsigned c = 0; c < HK_CLASSES; c++)
        for (unsigned k = 0; k < HK_ALIGNED_STEPS; k++) {
            unsigned d = c;
            while (a->cls[d].size % (32u << k))
                d++;
            a->aligned_class[c][k] = (uint8_t)d;
        }
    hk_registry_init(&a->registry);
    hk_pool_init(&a->pool, p->purge_delay * 1000000ull);
    hk_large_init(&a->large);
    return 0;
}

void hk_alloc_destroy(hk_allocator *a)
{
    hk_large_destroy(a);
    hk_pool_destroy(a);
    hk_registry_destroy(&a->registry);
}

static void *fail_enomem(void)
{
    errno = ENOMEM;
    return NULL;
}

/* Out of line, so that class_alloc's front hit needs no stack frame. */
static void *class_refill(hk_heap *h, unsigned c)
{
    void *p = hk_heap_refill(h, c);
    return p ? p : fail_enomem();
}

/* A block of class c for heap h: from the front, else by refilling it;
 * NULL (errno ENOMEM) when out of memory. */
static inline void *class_alloc(hk_allocator *a, hk_heap *h, unsigned c)
{
    hk_front *f = &h->front[c];
    if (__builtin_expect(f->count != 0, 1))
        return hk_front_take(a, f);
    return class_refill(h, c);
}

/* The pool's purges and the heaps' reaping, when due. */
static void tick(hk_allocator *a, uint64_t now)
{
    hk_pool_tick(a, now);
    hk_heap_reap(a, now, HK_REAP_DUE);
}

void *hk_alloc_tick(hk_allocator *a, hk_front *f)
{
    hk_front_restart_tick(f);
    uint64_t now = hk_os_now_ns();
    hk_heap *h = hk_heap_of_front(f);
    if (h->outbox_count)
        hk_heap_flush_outbox(h);
    tick(a, now);
    hk_keep_tick(a, &h->keep, now);
    return hk_front_pop(f);
}

/* A large block came from h's keep, or went there: neither takes a lock,
 * so the purges due are looked at here, as the large cache and the pool
 * do on their slow paths.  Otherwise a program whose keep serves its
 * large blocks, and whose fronts serve its small ones, would keep what it
 * freed long ago until its next tick, thousands of blocks away. */
static void keep_used(hk_allocator *a)
{
    tick(a, hk_os_now_ns());
}

/* n bytes aligned to align in a large block: one h keeps, if any holds
 * them, else from the large cache; NULL (errno ENOMEM) when out of
 * memory. */
static void *large_alloc(hk_allocator *a, hk_heap *h, size_t n, size_t align,
                         unsigned flags)
{
    void *p = h ? hk_keep_take(&h->keep, n, align) : NULL;
    if (p) {
        keep_used(a);
        if (flags & HK_LARGE_ZERO) /* a kept block is dirty throughout */
            hk_large_zero(p, n);
        return p;
    }
    p = hk_large_alloc(a, n, align, flags);
    return p ? p : fail_enomem();
}

/* What hk_malloc_fast could not serve: the class's front is empty (it
 * looked), or the block is large. */
void *hk_malloc_slow(hk_allocator *a, hk_heap *h, size_t n)
{
    if (__builtin_expect(n <= HK_SMALL_MAX, 1))
        return class_refill(h, hk_class_of(n));
    return large_alloc(a, h, n, 16, 0);
}

_Static_assert((32u << (HK_ALIGNED_STEPS - 1)) == HK_OS_PAGE,
               "aligned_class covers alignments from 32 bytes to a page");

void *hk_alloc_aligned(hk_allocator *a, hk_heap *h, size_t align, size_t n)
{
    if (align <= 16)
        return hk_malloc_fast(a, h, n);
    if (align <= HK_OS_PAGE && n <= HK_SMALL_MAX)
        return class_alloc(a, h, hk_aligned_class(a, align,
                                                  n > align ? n : align));
    return large_alloc(a, h, n, align, 0);
}

/* Zero the first n bytes of a small block.  Blocks are multiples of 16
 * bytes, so the few of a small struct are cleared whole, inline: a call
 * to memset costs more than the stores. */
static inline void zero_small(void *p, size_t n)
{
    if (n > 128) {
        memset(p, 0, n);
        return;
    }
    typedef struct {
        uint64_t w[2];
    } chunk;
    chunk *c = p;
    for (size_t i = 0; i < (n + 15) / 16; i++)
        c[i] = (chunk){{0, 0}};
}

void *hk_alloc_calloc(hk_allocator *a, hk_heap *h, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return fail_enomem();
    if (n > HK_SMALL_MAX)
        return large_alloc(a, h, n, 16, HK_LARGE_ZERO);
    void *p = hk_malloc_fast(a, h, n);
    if (p)
        zero_small(p, n);
    return p;
}

/* What free and realloc know about a pointer, after checking it. */
typedef struct owner {
    hk_large_hdr *large; /* or NULL for a small block */
    hk_slab *slab;       /* a small block's slab */
    unsigned cls;
    size_t usable;
} owner;

/* How each entry point names what is wrong with a pointer. */
typedef struct misuse_words {
    const char *invalid;   /* not hakmem's, or not a live block's */
    const char *interior;  /* inside a slab, not where a block starts */
    const char *uncarved;  /* where a block will start, never handed out */
    const char *freed;     /* a block that is free already */
} misuse_words;

#define WORDS(fn, freed)                                                     \
    {fn "(): invalid pointer",                                               \
     fn "(): invalid pointer (not the start of a block)",                    \
     fn "(): invalid pointer (block never allocated)", freed}
static const misuse_words free_words =
    WORDS("free", "free(): double free detected");
static const misuse_words realloc_words =
    WORDS("realloc", "realloc(): invalid pointer (block already freed)");
static const misuse_words usable_words = WORDS("malloc_usable_size", NULL);
#undef WORDS

/* The large block whose user pointer is p, given p's ownership entry e
 * (which names a large block), or NULL when p is not its start. */
static inline hk_large_hdr *large_start(uintptr_t e, const void *p)
{
    hk_large_hdr *l = hk_largedir_at(e, p);
    return l && (const char *)l + l->offset == (const char *)p ? l : NULL;
}

/* ... and live: not kept by a thread, which makes it free (keep.h). */
static inline hk_large_hdr *large_at(uintptr_t e, const void *p)
{
    hk_large_hdr *l = large_start(e, p);
    return l && !hk_large_kept(l) ? l : NULL;
}

static owner owner_of(hk_allocator *a, const void *p, const misuse_words *w)
{
    uintptr_t e = hk_registry_get(&a->registry, (uintptr_t)p);
    if (!e)
        hk_os_fatal(w->invalid, p);
    if (e & HK_REG_LARGE) {
        hk_large_hdr *l = large_start(e, p);
        if (!l || hk_large_kept(l))
            hk_os_fatal(l && w->freed ? w->freed : w->invalid, p);
        return (owner){l, NULL, HK_CLASS_NONE, hk_large_usable(l)};
    }
    hk_ss *ss = hk_ss_of_entry(e);
    uintptr_t off = (uintptr_t)p - (uintptr_t)ss, u = off >> a->unit_shift;
    unsigned c = ss->unit[u].cls;
    if (c == HK_CLASS_NONE)
        hk_os_fatal(w->invalid, p);
    hk_slab *s = hk_ss_slab_of(ss, (uintptr_t)p, a->unit_shift);
    if (a->params.ptr_check != HK_PTR_CHECK_NEVER &&
        !hk_ss_is_block(ss, u, off))
        hk_os_fatal(hk_slab_is_block(s, (uintptr_t)p) ? w->uncarved
                                                       : w->interior,
                    p);
    return (owner){NULL, s, c, a->cls[c].size};
}

/*
 * p, a small block carrying the free mark: is it really free, in a front
 * cache, a quarantine or its slab's lists?  The calling heap's caches and
 * the lists of slabs it owns are read exactly; other threads' are read
 * while they may change, which can miss p while it moves but cannot find
 * it where it is not.
 */
static int is_free(hk_allocator *a, hk_heap *h, const owner *o, void *p)
{
    if ((h && hk_heap_holds(h, o->cls, p)) || hk_slab_lists_hold(o->slab, p))
        return 1;
    int found = 0;
    hk_lock_acquire(&a->pool.lock);
    for (hk_heap *x = a->pool.heaps; x && !found; x = x->next)
        found = x != h && hk_heap_holds_blocks(x) &&
                hk_heap_holds(x, o->cls, p);
    hk_lock_release(&a->pool.lock);
    return found;
}

/* Stop the program if p, a small block, is free already. */
static void check_live(hk_allocator *a, hk_heap *h, const owner *o, void *p,
                       const char *freed)
{
    if (a->params.ptr_check != HK_PTR_CHECK_NEVER && hk_block_is_marked(p) &&
        is_free(a, h, o, p))
        hk_os_fatal(freed, p);
}

/* p, a checked small block, is free from now on: into h's front, or home. */
static void release(hk_heap *h, const owner *o, void *p)
{
    hk_block_set_free(p);
    if (!h) {
        hk_slab_put_remote(o->slab, p, p);
        return;
    }
    hk_front *f = &h->front[o->cls];
    if (hk_front_refuses(
            f, atomic_load_explicit(&o->slab->owner, memory_order_relaxed),
            h)) {
        hk_heap_post(h, o->cls, p);
        return;
    }
    if (!f->cap) {
        h->stats[o->cls].returned++;
        hk_heap_give_back(h, p);
        return;
    }
    if (f->count == f->cap)
        hk_heap_overflow(h, o->cls);
    HK_ASSERT(f->count < f->cap);
    f->slots[f->count++] = p;
}

void hk_free_slow(hk_allocator *a, hk_heap *h, void *p)
{
    if (!p)
        return;
    if (a->params.ptr_check == HK_PTR_CHECK_ALWAYS && !hk_os_is_mapped(p))
        hk_os_fatal(free_words.invalid, p);
    owner o = owner_of(a, p, &free_words);
    if (o.large) {
        if (h && hk_keep_put(a, &h->keep, o.large))
            keep_used(a);
        else
            hk_large_free(a, o.large);
        return;
    }
    check_live(a, h, &o, p, free_words.freed);
    release(h, &o, p);
}

/*
 * ptr_check=always: p, a small block realloc moved away from, waits in
 * h's quarantine before it joins the front, where the next malloc of its
 * class would hand it out at once and a free through the stale pointer
 * would free the new owner's block.  The block it displaces joins the
 * front now.
 */
static void quarantine(hk_allocator *a, hk_heap *h, void *p)
{
    hk_block_set_free(p);
    void *old = h->moved[h->moved_at];
    h->moved[h->moved_at] = p;
    h->moved_at = (h->moved_at + 1) % HK_MOVED;
    if (old) {
        owner o = owner_of(a, old, &free_words);
        release(h, &o, old);
    }
}

/* p, the large block l, resized to n > HK_SMALL_MAX bytes: kept as it is
 * when it holds them (no lock, no clock: a buffer grown a byte at a time
 * asks for this nearly every time), else resized where it lies; NULL if
 * it could not be (realloc then moves it). */
static inline void *large_resize(hk_allocator *a, hk_large_hdr *l, void *p,
                                 size_t n)
{
    if (hk_large_fits(l, n))
        return p;
    return hk_large_resize(a, l, n);
}

/* Whether realloc keeps a small block of `usable` bytes for n: when it
 * fits and would not waste half of itself. */
static int keeps(size_t n, size_t usable)
{
    return n <= usable && n > usable / 2;
}

/*
 * What realloc allocates for n <= HK_SMALL_MAX bytes when a small block of
 * `usable` bytes must move: one that outgrew its class is likely to grow
 * again, so it gets a quarter more than it had, at least; a buffer grown
 * a few bytes at a time then skips about every other class (eight
 * buffers grown to 1 to 8 KiB, 1 to 16 bytes at a time: 27,146 moves in
 * 863,101 calls, from 45,296).
 */
static size_t grown_size(size_t usable, size_t n)
{
    size_t more = usable + usable / 4;
    if (n <= usable || more <= n)
        return n;
    return more < HK_SMALL_MAX ? more : HK_SMALL_MAX;
}

/* A new block of n bytes for realloc to move p, of `usable` bytes (small
 * unless `large`), into; NULL when out of memory. */
static inline void *move_target(hk_allocator *a, hk_heap *h, size_t usable,
                                int large, size_t n)
{
    return n > HK_SMALL_MAX
               ? hk_large_alloc(a, n, 16, HK_LARGE_GROWING)
               : hk_malloc_fast(a, h, large ? n : grown_size(usable, n));
}

/* q gets the first `copy` bytes of p. */
static inline void *move_copy(void *q, const void *p, size_t copy)
{
    q = memcpy(q, p, copy);
    /* The copy reads and writes both blocks' pages: faults and TLB
     * misses the simulation must see. */
    hk_os_touch(p, copy);
    hk_os_touch(q, copy);
    return q;
}

/* q gets the first `copy` bytes of p, which is then freed: into the
 * quarantine if it is small (not `large`) and ptr_check=always asks. */
static void *move_free(hk_allocator *a, hk_heap *h, void *p, void *q,
                       size_t copy, int large)
{
    q = move_copy(q, p, copy);
    if (!large && a->params.ptr_check == HK_PTR_CHECK_ALWAYS)
        quarantine(a, h, p);
    else
        hk_free_fast(a, h, p);
    return q;
}

/* p, of `usable` bytes (small unless `large`), moved into a new block of
 * n bytes, which gets its first bytes; NULL when out of memory, with p
 * intact. */
static void *move_new(hk_allocator *a, hk_heap *h, void *p, size_t usable,
                      int large, size_t n)
{
    void *q = move_target(a, h, usable, large, n);
    if (!q)
        return fail_enomem();
    return move_free(a, h, p, q, n < usable ? n : usable, large);
}

/* p, the block o describes, moved to n bytes (move_new). */
static void *realloc_move(hk_allocator *a, hk_heap *h, void *p,
                          const owner *o, size_t n)
{
    return move_new(a, h, p, o->usable, o->large != NULL, n);
}

/* The large block p, which could not be resized where it lies to n bytes
 * (its mapping cut by the program: mremap cannot grow a range that spans
 * two of the kernel's areas), moved instead. */
static __attribute__((noinline)) void *
large_move(hk_allocator *a, hk_heap *h, void *p, size_t n)
{
    owner o = owner_of(a, p, &realloc_words);
    return realloc_move(a, h, p, &o, n);
}

/* Everything but a large block that stays large. */
static __attribute__((noinline)) void *
realloc_slow(hk_allocator *a, hk_heap *h, void *p, size_t n)
{
    if (!p)
        return hk_malloc_fast(a, h, n);
    if (n == 0) {
        hk_free_fast(a, h, p);
        return NULL;
    }
    owner o = owner_of(a, p, &realloc_words);
    if (o.large && n > HK_SMALL_MAX) {
        void *q = large_resize(a, o.large, p, n);
        return q ? q : realloc_move(a, h, p, &o, n);
    }
    if (!o.large)
        check_live(a, h, &o, p, realloc_words.freed);
    if (keeps(n, o.usable))
        return p;
    return realloc_move(a, h, p, &o, n);
}

/*
 * The bytes of the small block p of the SuperSlab of registry entry e, if
 * free's fast path would take p (hk_fast_block), else 0: realloc_slow
 * tells the rest apart.
 */
static size_t small_fast_usable(const hk_allocator *a, uintptr_t e, void *p)
{
    const hk_ss *ss = hk_ss_of_entry(e);
    uintptr_t off = (uintptr_t)p + HK_REG_SS - e, u = off >> a->unit_shift;
    hk_os_touch(&ss->unit[u], sizeof ss->unit[u]);
    unsigned c = ss->unit[u].cls;
    return c < HK_CLASSES && hk_fast_block(ss, u, off, p) ? a->cls[c].size
                                                          : 0;
}

/*
 * p, a small block of the SuperSlab of registry entry e that free's fast
 * path would take (so checked, and live), moved to n > 0 bytes that it
 * does not keep, and freed into the front it would go to, with nothing
 * checked again.  Through realloc_slow, whose checks (owner_of) and free
 * repeated those, a call of realloc_growth -b 8 -n 2000 -m 8192 -s 16 -d
 * (nine in ten move) took 244 instructions besides the copy.  Its unit is
 * found again here rather than passed: kept live across the in-place
 * test, it cost realloc in place a saved register (2% more instructions
 * on realloc_small).
 *
 * The only call on the common path is the copy, and only p is live
 * across it: the new block comes off its front inline (anything else,
 * a tail call to move_new), and p takes its cell in its own front before
 * the copy and its free mark after (the mark lies in the bytes copied).
 * With the new block from hk_malloc_fast and p freed after the copy,
 * each move saved and restored six registers: 130 instructions a call
 * besides the copy on that command, 116 now (tcmalloc 112, callgrind).
 */
static __attribute__((noinline)) void *
small_move(hk_allocator *a, hk_heap *h, uintptr_t e, void *p, size_t n)
{
    const hk_ss *ss = hk_ss_of_entry(e);
    uintptr_t u = ((uintptr_t)p + HK_REG_SS - e) >> a->unit_shift;
    size_t usable = a->cls[ss->unit[u].cls].size, want = grown_size(usable, n);
    if (n > HK_SMALL_MAX || a->params.ptr_check == HK_PTR_CHECK_ALWAYS)
        return move_new(a, h, p, usable, 0, n);
    hk_front *f = hk_front_of(h, ss->unit[u].front);
    const hk_heap *owner =
        atomic_load_explicit(&ss->unit[u].owner, memory_order_relaxed);
    /* p's front full, or posting p home; q's empty, or due to tick: as
     * free and malloc would.  (q's class is another: p does not keep n.) */
    void *q;
    if (f->count == f->cap || hk_front_refuses(f, owner, h) ||
        !(q = hk_front_take_quiet(
              hk_front_of(h, hk_front_at_size(a, want)))))
        return move_new(a, h, p, usable, 0, n);
    uint32_t count = f->count;
    f->slots[count] = p;
    f->count = count + 1;
    q = move_copy(q, p, n < usable ? n : usable);
    hk_block_set_free(p);
    hk_os_touch(&f->slots[count], sizeof(void *));
    return q;
}

/* Large block l at p stays large: grown or shrunk in place, else moved. */
static __attribute__((noinline)) void *
realloc_large(hk_allocator *a, hk_heap *h, hk_large_hdr *l, void *p, size_t n)
{
    void *q = large_resize(a, l, p, n);
    return q ? q : large_move(a, h, p, n);
}

/* The hot cases first, as a buffer grown a little at a time meets them:
 * a small block that still holds the new size, for the checks of free's
 * fast path (and one that does not, moved on their word), and a large
 * block that stays large, with owner_of's check of the pointer inline.
 * Everything else is a tail call, so that the in-place case saves no
 * register: with the large case inline, every realloc saved three and
 * restored them, 11 of the 52 instructions of a realloc in place. */
HK_ENTRY void *hk_alloc_realloc(hk_allocator *a, hk_heap *h, void *p,
                                size_t n)
{
    uintptr_t e = h ? hk_registry_get_hot(&a->registry, (uintptr_t)p) : 0;
    hk_large_hdr *l;
    if (e & HK_REG_SS) {
        size_t usable = small_fast_usable(a, e, p);
        if (keeps(n, usable))
            return p;
        if (usable && n)
            return small_move(a, h, e, p, n);
    } else if ((e & HK_REG_LARGE) && n > HK_SMALL_MAX &&
               (l = large_at(e, p))) {
        return realloc_large(a, h, l, p, n);
    }
    return realloc_slow(a, h, p, n);
}

size_t hk_alloc_usable_size(hk_allocator *a, const void *p)
{
    return p ? owner_of(a, p, &usable_words).usable : 0;
}

size_t hk_alloc_trim(hk_allocator *a, hk_heap *h)
{
    if (h) {
        hk_keep_flush(a, &h->keep);
        hk_heap_flush_moved(h);
        hk_heap_flush_outbox(h);
        for (unsigned c = 0; c < HK_CLASSES; c++)
            if (h->front[c].count)
                hk_heap_flush(h, c, h->front[c].count);
    }
    hk_heap_reap(a, hk_os_now_ns(), HK_REAP_ALL);
    return hk_pool_purge(a, 1) + hk_large_purge_all(a);
}

void hk_alloc_snapshot(hk_allocator *a, hk_stats_snapshot *out)
{
    memset(out, 0, sizeof *out);
    hk_lock_acquire(&a->pool.lock);
    out->pool = a->pool.stats;
    for (unsigned c = 0; c < HK_CLASSES; c++)
        out->cls[c] = a->pool.class_stats[c];
    out->pool.delay_ms = a->pool.delay / 1000000;
    hk_huge_prices(&a->pool.huge, &out->pool.huge_fault_ns,
                   &out->pool.small_fault_ns);
    hk_keep_counts keeps = a->pool.dead_keeps;
    uint64_t kept_bytes = 0;
    for (hk_heap *h = a->pool.heaps; h; h = h->next)
        if (hk_heap_holds_blocks(h)) {
            hk_heap_stats(h, out->cls);
            hk_keep_counts k = hk_keep_counts_of(&h->keep);
            keeps.kept += k.kept;
            keeps.hits += k.hits;
            kept_bytes += __atomic_load_n(&h->keep.bytes, __ATOMIC_RELAXED);
        }
    hk_lock_release(&a->pool.lock);
    hk_lock_acquire(&a->large.lock);
    out->large = a->large.stats;
    hk_lock_release(&a->large.lock);
    hk_huge_prices(&a->large.huge, &out->large.huge_fault_ns,
                   &out->large.small_fault_ns);
    /* Kept blocks are free: cached, not live.  A thread may have given
     * some back between the two looks. */
    if (kept_bytes > out->large.live_bytes)
        kept_bytes = out->large.live_bytes;
    out->large.kept = keeps.kept;
    out->large.kept_hits = keeps.hits;
    out->large.live_bytes -= kept_bytes;
    out->large.cached_bytes += kept_bytes;
    for (unsigned c = 0; c < HK_CLASSES; c++)
        hk_class_stats_add(&out->total, &out->cls[c]);
}
