/*
 * heap.c - a thread's heap: refilling and flushing its front cache,
 * tracking the slabs it owns, parking it when its thread exits, and
 * handing its slabs over when it is reaped.
 *
 * A heap's slabs of class c are on avail[c] (something left to allocate
 * locally; the head is the one refills use) or full[c].  A slab is given
 * back to the pool as soon as it is empty, unless it is the head of
 * avail[c]: keeping one slab per class stops a program that allocates and
 * frees around a slab boundary from cycling slabs through the pool.
 *
 * While other threads live, a heap keeps at most AVAIL_KEEP slabs of a
 * class on avail[c]; a slab that gets blocks back beyond that goes to the
 * pool with its live blocks, for whichever thread next needs a slab of the
 * class.  Only the owner reuses a slab's free blocks, so without this each
 * thread's slabs stay sized for that thread's own peak of the class: when
 * threads' demands swing out of step (one frees as another allocates),
 * one thread's free blocks sat unused while another carved fresh pages.
 */
#include "heap.h"

#include <string.h>

#include "alloc.h"

/* The head, which refills use, and one spare that takes over when the
 * head runs out without a trip to the pool; any more partly free slabs
 * serve another thread better than they wait for this one (mt_random,
 * two threads, medians of 7 alternating runs: peak RSS 17,676 KiB,
 * 18,168 with four kept; speed the same within 2%). */
#define AVAIL_KEEP 2

/* Slabs join a heap's lists only through these three, which keep
 * s->full true exactly for the slabs on full[c], and leave avail[c] only
 * through avail_remove; avail_count[c] is the length of avail[c]. */
static void avail_push(hk_heap *h, unsigned c, hk_slab *s)
{
    s->full = 0;
    hk_list_push_front(&h->avail[c], &s->link);
    h->avail_count[c]++;
}

/* Link s second, so that the first keeps serving refills. */
static void avail_push_second(hk_heap *h, unsigned c, hk_slab *s)
{
    hk_list *l = &h->avail[c];
    s->full = 0;
    if (hk_list_empty(l))
        hk_list_push_front(l, &s->link);
    else
        hk_list_insert_after(l, hk_list_first(l), &s->link);
    h->avail_count[c]++;
}

static void avail_remove(hk_heap *h, unsigned c, hk_slab *s)
{
    hk_list_remove(&h->avail[c], &s->link);
    h->avail_count[c]--;
}

static void full_push(hk_heap *h, unsigned c, hk_slab *s)
{
    HK_ASSERT(hk_slab_exhausted(s));
    s->full = 1;
    hk_list_push_front(&h->full[c], &s->link);
}

/* Class c of h at rest: the front within its bound, every block in it
 * free (marked, block.h); every slab owned by h, of class c, on the list
 * its state says (exhausted ones on full[c], the others on avail[c]);
 * used never above the blocks ever carved. */
static void heap_verify(hk_heap *h, unsigned c)
{
    uint32_t on_avail = 0;
    hk_list_foreach(n, &h->avail[c])
        on_avail++;
    HK_ASSERT(on_avail == h->avail_count[c]);
    HK_ASSERT(h->front[c].count <= h->front[c].cap);
    for (uint32_t i = 0; i < h->front[c].count; i++)
        HK_ASSERT(hk_block_is_marked(h->front[c].slots[i]));
    for (int on_full = 0; on_full < 2; on_full++)
        hk_list_foreach(n, on_full ? &h->full[c] : &h->avail[c]) {
            hk_slab *s = hk_slab_at(n);
            HK_ASSERT(atomic_load_explicit(&s->owner, memory_order_relaxed) ==
                      h);
            HK_ASSERT(s->cls == c && s->ss->unit[s->first_unit].cls == c);
            HK_ASSERT(s->full == on_full);
            HK_ASSERT(hk_slab_exhausted(s) == on_full);
            HK_ASSERT(s->used <= (size_t)(s->bump - s->start) / s->size);
        }
}

/*
 * A heap's slots follow it in two parts: first every class's front_cap
 * cells, packed, then every class's front_max cells.  A front starts in
 * the first part, so that a thread's fronts, small at first, share a few
 * pages instead of faulting in a page each; the first time it grows it
 * moves to the second (it is empty then: it grows on a refill).  Each
 * class's place in either part is in its hk_class_info.
 */
static size_t heap_bytes(const hk_allocator *a)
{
    return hk_os_page_up(sizeof(hk_heap) + a->heap_cells * sizeof(void *));
}

/* A heap's first refill of a class moves at most this many blocks, and
 * each one after it twice as many as the one before, up to the class's
 * refill: a thread that allocates a few blocks of a class and ends moves
 * a few, not a whole refill there and back (4,000 threads of 200 blocks
 * of 40 classes moved four times the blocks they used). */
#define FIRST_BATCH 4

static void heap_setup(hk_allocator *a, hk_heap *h)
{
    void **cells = (void **)(h + 1);
    for (unsigned c = 0; c < HK_CLASSES; c++)
        h->batch[c] = FIRST_BATCH;
    for (unsigned c = 0; c <= HK_CLASSES; c++) {
        hk_front *f = &h->front[c];
        f->slots = cells + (c < HK_CLASSES ? a->cls[c].first_cell : 0);
        f->count = 0;
        f->hits = 0;
        f->to_tick = HK_TICK;
        f->overflows = 0;
        f->shares_lines =
            c < HK_CLASSES && hk_shares_lines(a->cls[c].size);
        f->cls = (uint16_t)c;
        f->cap = c < HK_CLASSES ? a->cls[c].front_cap : 0;
    }
    h->grown_bytes = 0;
    memset(&h->keep, 0, sizeof h->keep);
    memset(h->moved, 0, sizeof h->moved);
    h->moved_at = 0;
    h->outbox_count = h->outbox_bytes = 0;
    memset(h->stats, 0, sizeof h->stats);
    h->alloc = a;
}

/*
 * A heap parked less than this long ago was left by a thread that ended
 * while others start: a thread that starts its successor and exits, or
 * workers replaced as they finish.  Such heaps go to starting threads in
 * the order they were parked, so that a successor tends to find its
 * predecessor's heap and the blocks it inherits are its own.  Taken last
 * parked first, two larson lanes (a thread per round, each freeing what
 * its predecessor made) swapped heaps whenever their ends overlapped,
 * and every free after a swap was remote: peak RSS 5,868 KB against
 * 5,228 KB in order and 4,836 KB under glibc (medians of 5 alternating
 * runs).  Older heaps are taken last parked first, so that when fewer
 * threads run than before, the heaps of the ones gone stay parked until
 * they are reaped: after 64 threads of 3 MB, 28,000 threads two at a
 * time left 7 MB resident, where taking every heap in order kept all 64
 * in turn and 213 MB.
 */
#define HANDOFF_NS 1000000u

/* Under the pool's lock: the parked heap to take at `now` (the first
 * parked within HANDOFF_NS, else the last parked), else a dead one, else
 * NULL. */
static hk_heap *reusable(hk_pool *pool, uint64_t now)
{
    hk_heap *dead = NULL, *last = NULL, *handoff = NULL;
    for (hk_heap *h = pool->heaps; h; h = h->next) {
        if (h->state == HK_HEAP_PARKED) {
            if (!last || h->parked_at > last->parked_at)
                last = h;
            if (h->parked_at + HANDOFF_NS > now &&
                (!handoff || h->parked_at < handoff->parked_at))
                handoff = h;
        } else if (h->state == HK_HEAP_DEAD && !dead) {
            dead = h;
        }
    }
    return handoff ? handoff : last ? last : dead;
}

hk_heap *hk_heap_create(hk_allocator *a)
{
    hk_pool *pool = &a->pool;
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&pool->lock);
    hk_heap *h = reusable(pool, now);
    if (h) {
        if (h->state == HK_HEAP_PARKED) {
            pool->stats.heaps_unparked++;
            atomic_fetch_sub_explicit(&pool->heaps_parked, 1,
                                      memory_order_relaxed);
        } else {
            heap_setup(a, h);
        }
        pool->stats.heaps_reused++;
        h->state = HK_HEAP_LIVE;
        atomic_fetch_add_explicit(&pool->heaps_live, 1, memory_order_relaxed);
        hk_lock_release(&pool->lock);
        return h;
    }
    hk_lock_release(&pool->lock);

    size_t bytes = heap_bytes(a);
    h = hk_os_map(bytes, HK_OS_PAGE);
    if (!h)
        return NULL;
    h->map_bytes = bytes;
    heap_setup(a, h);
    hk_lock_acquire(&pool->lock);
    pool->stats.heaps_created++;
    h->state = HK_HEAP_LIVE;
    atomic_fetch_add_explicit(&pool->heaps_live, 1, memory_order_relaxed);
    h->next = pool->heaps;
    pool->heaps = h;
    hk_lock_release(&pool->lock);
    return h;
}

/* The slab holding p, a block free() accepted. */
static hk_slab *slab_of(hk_allocator *a, void *p)
{
    hk_ss *ss = hk_ss_of_entry(hk_registry_get(&a->registry, (uintptr_t)p));
    hk_slab *s = hk_ss_slab_of(ss, (uintptr_t)p, a->unit_shift);
    hk_os_touch(s, sizeof *s);
    return s;
}

/* free() checked p; with always, the mark shows whether the program
 * wrote into the block while a front held it. */
static void check_still_free(const hk_allocator *a, void *p)
{
    if (a->params.ptr_check == HK_PTR_CHECK_ALWAYS && !hk_block_is_marked(p))
        hk_os_fatal("free(): corrupted free block", p);
}

/* n free blocks of s, linked from head to tail, go home together. */
static void give_chain(hk_heap *h, hk_slab *s, void *head, void *tail,
                       uint32_t n)
{
    if (atomic_load_explicit(&s->owner, memory_order_relaxed) != h) {
        h->stats[s->cls].remote_frees += n;
        hk_slab_put_remote(s, head, tail);
        return;
    }
    unsigned c = s->cls;
    HK_ASSERT(s->full == hk_slab_exhausted(s));
    hk_slab_put_local(s, head, tail, n);
    if (s->full) {
        hk_list_remove(&h->full[c], &s->link);
        avail_push_second(h, c, s);
    }
    /* The head, which refills use, stays even when empty; without a
     * front cache nothing pins it: it goes back at once, as before the
     * shared pool. */
    int is_head = hk_list_first(&h->avail[c]) == &s->link;
    if (s->used == 0 && (!is_head || !h->front[c].cap)) {
        avail_remove(h, c, s);
        h->stats[c].slabs_released++;
        hk_pool_release_slab(h->alloc, s);
    } else if (!is_head && h->avail_count[c] > AVAIL_KEEP &&
               atomic_load_explicit(&h->alloc->pool.heaps_live,
                                    memory_order_relaxed) > 1) {
        avail_remove(h, c, s);
        h->stats[c].slabs_passed++;
        hk_pool_abandon_slab(h->alloc, s);
    }
}

void hk_heap_give_back(hk_heap *h, void *p)
{
    hk_slab *s = slab_of(h->alloc, p);
    check_still_free(h->alloc, p);
    hk_os_touch(p, sizeof(void *));
    give_chain(h, s, p, p, 1);
}

void hk_heap_flush_moved(hk_heap *h)
{
    for (unsigned i = 0; i < HK_MOVED; i++)
        if (h->moved[i]) {
            hk_heap_give_back(h, h->moved[i]);
            h->moved[i] = NULL;
        }
}

int hk_heap_holds(const hk_heap *h, unsigned c, const void *p)
{
    const hk_front *f = &h->front[c];
    uint32_t count = __atomic_load_n(&f->count, __ATOMIC_RELAXED);
    if (count > f->cap)
        count = f->cap;
    hk_os_touch(f->slots, count * sizeof(void *));
    for (uint32_t i = 0; i < count; i++)
        if (__atomic_load_n(&f->slots[i], __ATOMIC_RELAXED) == p)
            return 1;
    for (unsigned i = 0; i < HK_MOVED; i++)
        if (__atomic_load_n(&h->moved[i], __ATOMIC_RELAXED) == p)
            return 1;
    count = __atomic_load_n(&h->outbox_count, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < count && i < HK_OUTBOX; i++)
        if (__atomic_load_n(&h->outbox[i], __ATOMIC_RELAXED) == p)
            return 1;
    return 0;
}

/* Chains being built by a flush, one per slab met; a block joins the
 * chain of its slab, found by address without a registry lookup.  When
 * all are open, the one opened first goes home to make room: slots are
 * reused in turn, so that blocks scattered over many slabs (a program
 * freeing a structure in an order of its own) cost no shuffling; moving
 * the others down cost 8 of the 66 instructions a block took to flush in
 * perl (a hash of 60,000 arrays, half deleted in key order; callgrind). */
#define CHAINS 4

typedef struct chain {
    hk_slab *slab;
    uintptr_t start, span; /* the slab's blocks: [start, start + span) */
    void *head, *tail;
    uint32_t n;
} chain;

typedef struct chains {
    chain ch[CHAINS];
    unsigned open;   /* ch[0..open) are in use */
    unsigned oldest; /* once all are: the one opened first */
} chains;

/* The open chain of the slab holding p, opening one if none is. */
static chain *chain_for(hk_heap *h, chains *cs, void *p)
{
    uintptr_t u = (uintptr_t)p;
    for (unsigned k = 0; k < cs->open; k++)
        if (u - cs->ch[k].start < cs->ch[k].span)
            return &cs->ch[k];
    chain *t;
    if (cs->open < CHAINS) {
        t = &cs->ch[cs->open++];
    } else {
        t = &cs->ch[cs->oldest];
        cs->oldest = (cs->oldest + 1) % CHAINS;
        give_chain(h, t->slab, t->head, t->tail, t->n);
    }
    hk_slab *s = slab_of(h->alloc, p);
    *t = (chain){s, (uintptr_t)s->start, (uintptr_t)(s->end - s->start),
                 NULL, p, 0};
    return t;
}

/* The free blocks slots[0..n) go home, those of one slab that follow
 * each other in one chain. */
static void send_home(hk_heap *h, void **slots, uint32_t n)
{
    int always = h->alloc->params.ptr_check == HK_PTR_CHECK_ALWAYS;
    chains cs;
    cs.open = cs.oldest = 0;
    for (uint32_t i = 0; i < n;) {
        chain *t = chain_for(h, &cs, slots[i]);
        uintptr_t start = t->start, span = t->span;
        void *head = t->head;
        uint32_t first = i;
        /* Consecutive blocks of one slab, linked in a tight loop. */
        do {
            void *p = slots[i];
            if ((uintptr_t)p - start >= span)
                break;
            if (always)
                check_still_free(h->alloc, p);
            hk_os_touch(p, sizeof(void *));
            *(void **)p = head;
            head = p;
        } while (++i < n);
        t->head = head;
        t->n += i - first;
    }
    for (unsigned k = 0; k < cs.open; k++)
        give_chain(h, cs.ch[k].slab, cs.ch[k].head, cs.ch[k].tail,
                   cs.ch[k].n);
}

void hk_heap_flush(hk_heap *h, unsigned c, uint32_t n)
{
    hk_front *f = &h->front[c];
    if (n > f->count)
        n = f->count;
    send_home(h, f->slots, n);
    memmove(f->slots, f->slots + n, (f->count - n) * sizeof(void *));
    f->count -= n;
    h->stats[c].flushes++;
    h->stats[c].flushed += n;
    if (HK_DEBUG)
        heap_verify(h, c);
}

void hk_heap_flush_outbox(hk_heap *h)
{
    send_home(h, h->outbox, h->outbox_count);
    __atomic_store_n(&h->outbox_count, 0, __ATOMIC_RELAXED);
    h->outbox_bytes = 0;
}

void hk_heap_post(hk_heap *h, unsigned c, void *p)
{
    uint32_t size = h->alloc->cls[c].size;
    if (h->outbox_count == HK_OUTBOX || h->outbox_bytes >= HK_OUTBOX_BYTES)
        hk_heap_flush_outbox(h);
    __atomic_store_n(&h->outbox[h->outbox_count], p, __ATOMIC_RELAXED);
    __atomic_store_n(&h->outbox_count, h->outbox_count + 1, __ATOMIC_RELAXED);
    h->outbox_bytes += size;
    h->stats[c].posted++;
}

/* Overflows in a row, nothing fetched back between them, after which a
 * front's bound shrinks by a quarter: far more than a burst freed in one
 * go causes, so that only a thread whose blocks do not come back (it frees
 * what others allocate) gives up the room it grew. */
#define OVERFLOWS_TO_SHRINK 16 /* divides 256: overflows may wrap */

/* Class c's front bound becomes cap, its growth counted in grown_bytes;
 * past its first bound it has room of its own (see heap_bytes). */
static void set_cap(hk_heap *h, unsigned c, uint32_t cap)
{
    hk_front *f = &h->front[c];
    const hk_allocator *a = h->alloc;
    size_t size = a->cls[c].size;
    if (cap > a->cls[c].front_cap && f->cap <= a->cls[c].front_cap) {
        HK_ASSERT(f->count == 0);
        f->slots = (void **)(h + 1) + a->cls[c].grown_cell;
    }
    h->grown_bytes = h->grown_bytes + cap * size - f->cap * size;
    f->cap = cap;
}

void hk_heap_overflow(hk_heap *h, unsigned c)
{
    hk_front *f = &h->front[c];
    uint32_t floor = h->alloc->cls[c].front_cap;
    if (++f->overflows % OVERFLOWS_TO_SHRINK == 0 && f->cap > floor)
        set_cap(h, c,
                f->cap - f->cap / 4 > floor ? f->cap - f->cap / 4 : floor);
    hk_heap_flush(h, c, f->count - f->cap / 2);
}

static unsigned check_of(const hk_heap *h)
{
    return (unsigned)h->alloc->params.ptr_check;
}

/* Slabs on full[c] that other threads freed into become available. */
static void collect_remote(hk_heap *h, unsigned c)
{
    uint64_t hint =
        atomic_load_explicit(&h->remote_hint[c], memory_order_relaxed);
    if (hint == h->remote_seen[c])
        return;
    h->remote_seen[c] = hint;
    hk_list_foreach(n, &h->full[c]) {
        hk_slab *s = hk_slab_at(n);
        if (!hk_slab_drain_remote(s, check_of(h)))
            continue;
        hk_list_remove(&h->full[c], &s->link);
        if (s->used == 0 && !hk_list_empty(&h->avail[c])) {
            h->stats[c].slabs_released++;
            hk_pool_release_slab(h->alloc, s);
        } else {
            avail_push_second(h, c, s);
        }
    }
}

static hk_slab *next_slab(hk_heap *h, unsigned c)
{
    collect_remote(h, c);
    if (!hk_list_empty(&h->avail[c]))
        return hk_slab_at(hk_list_first(&h->avail[c]));
    hk_allocator *a = h->alloc;
    int parked =
        atomic_load_explicit(&a->pool.heaps_parked, memory_order_relaxed) != 0;
    hk_slab *s = hk_pool_acquire_slab(a, h, c, !parked);
    if (!s && parked) {
        hk_heap_reap(a, 0, HK_REAP_ONE);
        s = hk_pool_acquire_slab(a, h, c, 1);
    }
    if (s)
        avail_push(h, c, s);
    return s;
}

/* The slab refills take from: s, the head of avail[c], unless s would
 * carve while blocks freed already wait, in s's remote list or in the
 * slab after it (where slabs that get blocks back go): carving writes
 * fresh pages, reuse does not, so those blocks go first. */
static hk_slab *freed_first(hk_heap *h, unsigned c, hk_slab *s)
{
    if (s->free || hk_slab_drain_remote(s, check_of(h)) || !s->link.next)
        return s;
    hk_slab *t = hk_slab_at(s->link.next);
    if (!t->free && !hk_slab_drain_remote(t, check_of(h)))
        return s;
    avail_remove(h, c, t);
    avail_push(h, c, t);
    return t;
}

/* Move up to `want` blocks of class c from the heap's slabs into the
 * cells below top, top[-1] first; returns how many. */
static uint32_t take(hk_heap *h, unsigned c, void **top, uint32_t want)
{
    uint32_t got = 0;
    while (got < want) {
        hk_link *first = hk_list_first(&h->avail[c]);
        hk_slab *s = first ? hk_slab_at(first) : NULL;
        if (!s && (got || !(s = next_slab(h, c))))
            break;
        s = freed_first(h, c, s);
        got += hk_slab_take(s, top - got, want - got, check_of(h));
        if (!hk_slab_exhausted(s))
            break; /* it gave what it would: fresh blocks a page at a time */
        if (!hk_slab_drain_remote(s, check_of(h))) {
            avail_remove(h, c, s);
            full_push(h, c, s);
        }
    }
    h->stats[c].front_misses++;
    h->stats[c].refilled += got;
    if (HK_DEBUG)
        heap_verify(h, c);
    return got;
}

/* Double the bound of the front of class c, within heap.h's limits. */
static void grow(hk_heap *h, unsigned c)
{
    const hk_class_info *ci = &h->alloc->cls[c];
    hk_front *f = &h->front[c];
    int alone = atomic_load_explicit(&h->alloc->pool.heaps_live,
                                     memory_order_relaxed) == 1;
    uint32_t most = alone ? ci->front_max : ci->front_max_shared;
    size_t budget = alone ? HK_HEAP_GROWTH_ALONE_BYTES : HK_HEAP_GROWTH_BYTES;
    uint32_t cap = f->cap < most / 2 ? f->cap * 2 : most;
    if (cap > f->cap &&
        h->grown_bytes + (size_t)(cap - f->cap) * ci->size <= budget)
        set_cap(h, c, cap);
}

void *hk_heap_refill(hk_heap *h, unsigned c)
{
    hk_front *f = &h->front[c];
    if (!f->cap) { /* no front cache: one block straight from a slab */
        void *b;
        return take(h, c, &b + 1, 1) ? hk_block_hand_out(b) : NULL;
    }
    /* Empty again after overflowing: what went home came back, so the
     * bound was too small for the program's swing. */
    if (f->overflows) {
        grow(h, c);
        f->overflows = 0;
    }
    uint32_t want = h->batch[c];
    if (want < h->alloc->cls[c].refill)
        h->batch[c] = 2 * want;
    else
        want = h->alloc->cls[c].refill;
    if (want > f->cap - f->count)
        want = f->cap - f->count;
    void **top = f->slots + f->count + want;
    uint32_t got = take(h, c, top, want);
    if (!got)
        return NULL;
    /* The blocks sit in the `got` cells below top, the first one taken
     * on top; usually got == want and they are already in place. */
    if (got < want)
        memmove(f->slots + f->count, top - got, got * sizeof(void *));
    hk_os_touch(f->slots + f->count, got * sizeof(void *));
    f->count += got - 1;
    return hk_block_hand_out(f->slots[f->count]);
}

static void drain_all(hk_heap *h, hk_list *list)
{
    hk_list_foreach(n, list)
        hk_slab_drain_remote(hk_slab_at(n), check_of(h));
}

/* What h holds that is not its own to keep: blocks of other heaps' slabs,
 * blocks waiting in the quarantine, large blocks. */
static void send_foreign(hk_heap *h)
{
    hk_heap_flush_moved(h);
    hk_heap_flush_outbox(h);
    hk_keep_flush(h->alloc, &h->keep);
}

/* A parked heap's fronts go back to their first bounds: the room they
 * grew served its thread's swings, and the blocks in it would wait there
 * while other threads carve.  larson -t 2 (a new thread per round, which
 * takes a parked heap), medians of 7 alternating runs: peak RSS 5,996 KB
 * keeping the grown fronts, 5,780 KB shrinking them, and 5,228 KB when an
 * exiting heap handed everything over, 17% slower than parking. */
static void shrink_fronts(hk_heap *h)
{
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_front *f = &h->front[c];
        uint32_t floor = h->alloc->cls[c].front_cap;
        if (f->cap <= floor)
            continue;
        if (f->count > floor)
            hk_heap_flush(h, c, f->count - floor);
        set_cap(h, c, floor);
    }
}

void hk_heap_park(hk_heap *h)
{
    hk_allocator *a = h->alloc;
    send_foreign(h);
    shrink_fronts(h);
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    h->state = HK_HEAP_PARKED;
    h->parked_at = now;
    uint64_t due = now + a->pool.delay;
    if (due < atomic_load_explicit(&a->pool.reap_at, memory_order_relaxed))
        atomic_store_explicit(&a->pool.reap_at, due, memory_order_relaxed);
    atomic_fetch_add_explicit(&a->pool.heaps_parked, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&a->pool.heaps_live, 1, memory_order_relaxed);
    hk_lock_release(&a->pool.lock);
}

/* Under the pool's lock: the heap parked first, marked as being reaped
 * if `which` wants it, or NULL; reap_at says when the oldest one left
 * parked is due. */
static hk_heap *claim(hk_pool *pool, uint64_t now, enum hk_reap which)
{
    hk_heap *first = NULL, *second = NULL;
    for (hk_heap *h = pool->heaps; h; h = h->next) {
        if (h->state != HK_HEAP_PARKED)
            continue;
        if (!first || h->parked_at < first->parked_at) {
            second = first;
            first = h;
        } else if (!second || h->parked_at < second->parked_at) {
            second = h;
        }
    }
    int take = first && (which != HK_REAP_DUE ||
                         first->parked_at + pool->delay <= now);
    hk_heap *left = take ? second : first;
    atomic_store_explicit(&pool->reap_at,
                          left ? left->parked_at + pool->delay : UINT64_MAX,
                          memory_order_relaxed);
    if (!take)
        return NULL;
    first->state = HK_HEAP_REAPING;
    atomic_fetch_sub_explicit(&pool->heaps_parked, 1, memory_order_relaxed);
    pool->stats.heaps_reaped++;
    return first;
}

void hk_heap_reap(hk_allocator *a, uint64_t now, enum hk_reap which)
{
    hk_pool *pool = &a->pool;
    if (!atomic_load_explicit(&pool->heaps_parked, memory_order_relaxed) ||
        (which == HK_REAP_DUE &&
         now < atomic_load_explicit(&pool->reap_at, memory_order_relaxed)))
        return;
    hk_heap *h;
    do {
        hk_lock_acquire(&pool->lock);
        h = claim(pool, now, which);
        hk_lock_release(&pool->lock);
        if (h)
            hk_heap_destroy(h);
    } while (h && which != HK_REAP_ONE);
}

void hk_heap_destroy(hk_heap *h)
{
    hk_allocator *a = h->alloc;
    send_foreign(h);
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        if (h->front[c].count)
            hk_heap_flush(h, c, h->front[c].count);
        drain_all(h, &h->avail[c]);
        drain_all(h, &h->full[c]);
    }
    uint64_t now = hk_os_now_ns();
    hk_lock_acquire(&a->pool.lock);
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_pool_hand_over(a, &h->avail[c], &h->stats[c].slabs_released, now);
        hk_pool_hand_over(a, &h->full[c], &h->stats[c].slabs_released, now);
        h->avail_count[c] = 0;
    }
    a->pool.dead_keeps.kept += h->keep.counts.kept;
    a->pool.dead_keeps.hits += h->keep.counts.hits;
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        h->stats[c].front_hits += hk_front_hits(&h->front[c]);
        hk_class_stats_add(&a->pool.class_stats[c], &h->stats[c]);
    }
    if (h->state == HK_HEAP_LIVE)
        atomic_fetch_sub_explicit(&a->pool.heaps_live, 1, memory_order_relaxed);
    h->state = HK_HEAP_DEAD;
    hk_lock_release(&a->pool.lock);
}

void hk_heap_stats(const hk_heap *h, hk_class_stats *into)
{
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_class_stats_add(&into[c], &h->stats[c]);
        into[c].front_hits += hk_front_hits(&h->front[c]);
    }
}
