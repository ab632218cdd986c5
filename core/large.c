/*
 * large.c - large blocks: their headers, the ownership map, the list of
 * live blocks, and realloc in place; their spans come from and go back to
 * the cache in spans.c.
 *
 * Invariants (under the lock): every live large block starts on a page,
 * is on `live` and is registered in the directory of its user pointer's
 * granule (largedir.h); stats.live_bytes is the sum of the live blocks'
 * bytes.
 */
#include "large.h"

#include <string.h>

#include "alloc.h"
#include "debug.h"
#include "os.h"

/* Blocks start at one of COLORS lines past their header, one page of a
 * MiB to the next COLOR_STRIDE apart (colored_offset); the two are
 * coprime. */
#define COLORS 63u
#define COLOR_STRIDE 37u

/* The mapping that blocks under half of it are packed into (map_new). */
#define CHUNK ((size_t)8 << 20)
/* New mappings ask for huge pages while at most 1/8 of the blocks' pages
 * sampled were not resident (huge.h): one large block is one program
 * object, usually written whole or not at all. */
#define LARGE_HUGE_TOLERANCE 3

void hk_large_init(hk_large *l)
{
    memset(l, 0, sizeof *l);
    hk_spans_init(&l->spans);
    hk_huge_init(&l->huge, LARGE_HUGE_TOLERANCE);
}

/* Under the lock: a large path's activity at `now`, and the decay it
 * finds due. */
static void decay_if_due(hk_allocator *a, uint64_t now)
{
    hk_spans_decay_if_due(a, hk_pause_see(&a->large.spans.pause, now), now);
}

static void live_add(hk_large *l, size_t bytes)
{
    l->stats.live_bytes += bytes;
    if (l->stats.live_bytes > l->stats.peak_bytes)
        l->stats.peak_bytes = l->stats.live_bytes;
    hk_spans_saw_live(&l->spans, l->stats.live_bytes);
}

/* Under the lock: the invariants above, counted. */
static void large_verify(hk_allocator *a)
{
    hk_large *l = &a->large;
    size_t live = 0;
    hk_list_foreach(n, &l->live) {
        hk_large_hdr *h = hk_list_entry(n, hk_large_hdr, link);
        char *user = (char *)h + h->offset;
        HK_ASSERT(hk_largedir_at(hk_registry_get(&a->registry,
                                                 (uintptr_t)user),
                                 user) == h);
        HK_ASSERT((uintptr_t)h % HK_OS_PAGE == 0);
        HK_ASSERT(h->bytes % HK_OS_PAGE == 0 && h->offset <= h->bytes);
        live += h->bytes;
    }
    HK_ASSERT(live == l->stats.live_bytes);
    HK_ASSERT(live <= l->spans.step_peak &&
              l->spans.step_peak <= l->spans.recent_peak);
}

/* Where a new mapping of `bytes` for a block at `offset` starts.  One of
 * a SuperSlab's size or more, at a multiple of it (a huge page with the
 * default ss_size: the kernel may back it with huge pages, and it spans
 * the fewest page tables); a smaller one, at a granule of the registry,
 * the least alignment that leaves it room to grow (os.h). */
static size_t map_align_for(const hk_allocator *a, size_t offset,
                            size_t bytes)
{
    size_t align = bytes >= a->params.ss_size ? a->params.ss_size
                                              : (size_t)1 << HK_REG_SHIFT;
    return offset > align ? offset : align;
}

/* The huge-page advice's sample of the span [base, base + bytes) of a
 * block live when it was chosen: how many of its last pages are resident
 * (huge.h).  Another thread may free it meanwhile; if its pages are gone,
 * the sample says none was resident, one wrong vote among many. */
static void sample_span(hk_allocator *a, const char *base, size_t bytes)
{
    hk_large *l = &a->large;
    size_t pages, resident = hk_huge_sample(base, bytes, &pages);
    hk_lock_acquire(&l->lock);
    hk_huge_record(&l->huge, pages, resident);
    l->stats.huge_samples++;
    hk_lock_release(&l->lock);
}

/*
 * A span of need bytes from a new mapping.  A block under half a CHUNK
 * gets the head of a whole CHUNK, whose rest is cached clean, so that
 * the next blocks are placed right after it: blocks packed page by page
 * share page tables, and freed neighbours join into spans that serve any
 * later size.  Each a mapping of its own, a MiB apart, 800 blocks of 100
 * to 400 KB took 7% longer to fault in on a VM where a page-table page
 * costs several page faults (0.523 s, packed 0.486 s; median of 9
 * alternating runs).  A block gets a mapping of its own, which a whole
 * span may grow in place into, when it is half a CHUNK or more, when
 * realloc is growing it, or when the cache could not hold the rest.
 */
static hk_span map_new(hk_allocator *a, size_t need, size_t offset,
                       unsigned flags, uint64_t now)
{
    hk_large *l = &a->large;
    const char *placed;
    hk_lock_acquire(&l->lock);
    size_t placed_bytes = hk_huge_take_placed(&l->huge, &placed);
    hk_lock_release(&l->lock);
    if (placed_bytes)
        sample_span(a, placed, placed_bytes);
    bool packed = need < CHUNK / 2 && a->params.large_cache >= CHUNK &&
                  !(flags & HK_LARGE_GROWING);
    size_t bytes = packed ? CHUNK : need;
    char *base = hk_os_map(bytes, map_align_for(a, offset, bytes));
    if (!base && bytes != need)
        base = hk_os_map(bytes = need, map_align_for(a, offset, need));
    if (!base)
        return (hk_span){0};
    /* Two pages at least, for the first touch: over HK_SMALL_MAX bytes,
     * or aligned past a page with the header a whole alignment before the
     * block. */
    HK_ASSERT(need >= 2 * HK_OS_PAGE);
    hk_span s = {base, need, 0, 0, 0, bytes == need, false};
    hk_lock_acquire(&l->lock);
    bool asked = hk_huge_advise(&l->huge, a->params.huge_pages, bytes);
    hk_lock_release(&l->lock);
    bool huge =
        hk_huge_map(&l->huge, a->params.huge_pages, base, bytes, asked);
    hk_lock_acquire(&l->lock);
    hk_huge_placed(&l->huge, a->params.huge_pages, huge, base, need);
    s.mapping = hk_spans_new_mapping(&l->spans, huge);
    l->stats.huge_advised += huge;
    l->stats.huge_dear += asked && !huge;
    l->stats.cache_misses++;
    l->stats.mapped++;
    if (bytes > need)
        hk_spans_put(a, (hk_span){base + need, bytes - need, 0, s.mapping,
                                  now, false, true});
    hk_lock_release(&l->lock);
    return s;
}

/*
 * Where a block that needs no more than a line's alignment starts in its
 * span: past its header by a color, a whole number of lines below
 * COLORS set by the page the span starts at in its MiB, as far as the
 * slack of the span's last page allows (a color never costs a page).
 * Without it every such block starts at the same offset in a page, and
 * so does whatever a program keeps at the same offset of each block, or
 * of each page of one: all of it in the few cache sets that address bits
 * below the page select (one set of L1 in 64).  Two threads writing a
 * word in each page of their blocks of 100 to 400 KB, and reading it back
 * before the free, missed the last-level cache on 255,000 reads without
 * colors and on 16,600 with them (cachegrind).  The color follows the
 * span, not the block: a block placed where one was just freed finds the
 * lines the freed one left in the caches, and a span lies at the same
 * place in its mapping whatever the addresses, so replays color alike.
 */
static size_t colored_offset(const char *base, size_t n, size_t bytes)
{
    size_t page = (uintptr_t)base % ((size_t)1 << HK_REG_SHIFT) / HK_OS_PAGE;
    size_t color = page * COLOR_STRIDE % COLORS;
    size_t room = (bytes - HK_LARGE_HEADER - n) / HK_LINE;
    return HK_LARGE_HEADER + (color < room ? color : room) * HK_LINE;
}

void *hk_large_alloc(hk_allocator *a, size_t n, size_t align,
                     unsigned flags)
{
    hk_large *l = &a->large;
    size_t offset = align > HK_LARGE_HEADER ? align : HK_LARGE_HEADER;
    size_t need = hk_large_need(n, offset);
    if (!need)
        return NULL;
    size_t map_align = map_align_for(a, offset, need);
    uint64_t now = hk_os_now_ns();

    hk_lock_acquire(&l->lock);
    l->stats.allocs++;
    hk_span s = hk_spans_take(a, need, offset, map_align,
                              flags & HK_LARGE_GROWING);
    hk_lock_release(&l->lock);
    hk_large_hdr *h = (hk_large_hdr *)s.base;
    if (!h) {
        if (!(s = map_new(a, need, offset, flags, now)).base)
            return NULL;
        h = (hk_large_hdr *)s.base;
    }
    if (offset == HK_LARGE_HEADER)
        offset = colored_offset(s.base, n, s.bytes);
    char *user = s.base + offset;
    /* Bytes past dirty are known to read zero: fresh, grown or purged. */
    if ((flags & HK_LARGE_ZERO) && s.dirty > offset)
        hk_large_zero(user, s.dirty - offset < n ? s.dirty - offset : n);
    hk_os_touch(h, sizeof *h);
    /* Whole, link included: a reused span holds old bytes there. */
    *h = (hk_large_hdr){.bytes = s.bytes, .offset = offset,
                        .mapping = s.mapping, .whole = s.whole};

    hk_lock_acquire(&l->lock);
    if (hk_largedir_add(&a->registry, &l->dirs, h, user) != 0) {
        hk_os_unmap(s.base, s.bytes);
        l->stats.unmapped++;
        hk_lock_release(&l->lock);
        return NULL;
    }
    hk_list_push_front(&l->live, &h->link);
    live_add(l, s.bytes);
    decay_if_due(a, now);
    if (HK_DEBUG)
        large_verify(a);
    hk_lock_release(&l->lock);
    return user;
}

void hk_large_free(hk_allocator *a, hk_large_hdr *h)
{
    hk_large *l = &a->large;
    uint64_t now = hk_os_now_ns();
    if (!hk_spans_advised(h->mapping) &&
        hk_huge_sample_due(&l->huge, a->params.huge_pages))
        sample_span(a, (const char *)h, h->bytes);

    hk_lock_acquire(&l->lock);
    hk_largedir_remove(&a->registry, &l->dirs, (char *)h + h->offset);
    hk_list_remove(&l->live, &h->link);
    hk_huge_freed(&l->huge, (const char *)h);
    l->stats.frees++;
    l->stats.live_bytes -= h->bytes;
    hk_spans_put(a, (hk_span){.base = (char *)h, .bytes = h->bytes,
                              .dirty = h->bytes, .mapping = h->mapping,
                              .freed_at = now, .whole = h->whole});
    decay_if_due(a, now);
    if (HK_DEBUG)
        large_verify(a);
    hk_lock_release(&l->lock);
}

/*
 * Grow h's block to at least need bytes through the seam, out of the live
 * list, the live bytes and the ownership map while the lock is released
 * (its header may move): the header, moved or not, or NULL with the block
 * intact.  The mapping grows to twice the block's bytes, or to need's
 * scale (hk_spans_scale_up) when that is more.  The part past need is
 * cached clean right after the block where the cache has room for a
 * span of it, and the block grows into it with no call (or any block may
 * use it); the block keeps what is not cached.  So a block grown a
 * little at a time makes a logarithmic number of calls and moves its
 * pages as often, not once per step.
 */
static hk_large_hdr *grow_block(hk_allocator *a, hk_large_hdr *h,
                                size_t need, uint64_t now)
{
    hk_large *l = &a->large;
    size_t grown = hk_spans_scale_up(need);
    if (grown < 2 * h->bytes)
        grown = 2 * h->bytes;
    size_t room = hk_spans_room(a) & ~(size_t)(HK_OS_PAGE - 1);
    size_t ahead = grown - need < room ? grown - need : room;
    if (ahead < HK_SPANS_MIN)
        ahead = 0;
    size_t keep = grown - ahead;
    char *user = (char *)h + h->offset;
    hk_largedir_remove(&a->registry, &l->dirs, user);
    hk_list_remove(&l->live, &h->link);
    hk_huge_freed(&l->huge, (const char *)h); /* its pages may move */
    l->stats.live_bytes -= h->bytes;
    hk_lock_release(&l->lock);
    size_t old = h->bytes;
    hk_large_hdr *q = hk_os_grow(h, old, keep + ahead,
                                 map_align_for(a, h->offset, keep + ahead));
    hk_lock_acquire(&l->lock);
    l->stats.grows++;
    hk_large_hdr *b = q ? q : h;
    if (q) {
        hk_os_touch(q, sizeof *q);
        if (q != h) { /* moved: a new mapping */
            q->mapping = hk_spans_new_mapping(&l->spans,
                                              hk_spans_advised(q->mapping));
            q->whole = true;
        }
        if (ahead) /* the mapping holds the span ahead too */
            q->whole = false;
        q->bytes = keep;
        user = (char *)q + q->offset;
        if (ahead)
            hk_spans_put(a, (hk_span){(char *)q + keep, ahead, 0,
                                      q->mapping, now, false, true});
    }
    live_add(l, b->bytes);
    if (hk_largedir_add(&a->registry, &l->dirs, b, user))
        hk_os_fatal("realloc(): no memory for the ownership map", user);
    hk_list_push_front(&l->live, &b->link);
    return q;
}

void *hk_large_resize(hk_allocator *a, hk_large_hdr *h, size_t n)
{
    hk_large *l = &a->large;
    size_t offset = h->offset;
    size_t need = hk_large_need(n, offset);
    if (!need)
        return NULL;
    HK_ASSERT(!hk_large_fits(h, n));
    uint64_t now = hk_os_now_ns();

    hk_lock_acquire(&l->lock);
    if (need <= h->bytes) { /* a tail worth a span of its own */
        hk_span tail = {(char *)h + need, h->bytes - need, h->bytes - need,
                        h->mapping, now, false, true};
        h->bytes = need;
        h->whole = false;
        l->stats.live_bytes -= tail.bytes;
        hk_spans_put(a, tail);
    } else {
        size_t len =
            hk_spans_extend(a, (char *)h, h->bytes, h->mapping, need);
        if (len) {
            live_add(l, len - h->bytes);
            h->bytes = len;
        } else if (!(h = grow_block(a, h, need, now))) {
            hk_lock_release(&l->lock);
            return NULL;
        }
    }
    l->stats.resizes++;
    decay_if_due(a, now);
    if (HK_DEBUG)
        large_verify(a);
    hk_lock_release(&l->lock);
    return (char *)h + offset;
}

size_t hk_large_purge_all(hk_allocator *a)
{
    hk_lock_acquire(&a->large.lock);
    size_t purged = hk_spans_purge_all(a);
    hk_lock_release(&a->large.lock);
    return purged;
}

void hk_large_decay_due(hk_allocator *a, uint64_t now)
{
    hk_large *l = &a->large;
    uint64_t prev = hk_pause_see(&l->spans.pause, now);
    if (now < atomic_load_explicit(&l->spans.next_decay,
                                   memory_order_relaxed) ||
        !hk_lock_try(&l->lock))
        return;
    hk_spans_decay_if_due(a, prev, now);
    hk_lock_release(&l->lock);
}

void hk_large_destroy(hk_allocator *a)
{
    hk_large *l = &a->large;
    hk_spans_destroy(a);
    hk_list_foreach(n, &l->live) {
        hk_large_hdr *h = hk_list_entry(n, hk_large_hdr, link);
        hk_os_unmap(h, h->bytes);
    }
    hk_list_init(&l->live);
    hk_largedir_destroy(&l->dirs);
}
